"""Error classes that are both what Keras 3 raises (ValueError) and what tf.keras 2 raised
(TypeError / RuntimeError), so code catching either keeps working."""


class InputTypeError(TypeError, ValueError):
    """Data or an argument of the wrong type."""


class NotCompiledError(RuntimeError, ValueError):
    """fit/evaluate called before compile()."""
