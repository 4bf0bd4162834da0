"""keras.preprocessing.sequence (tf.keras 2 path): ``pad_sequences``."""
from kerasish.utils.sequence import pad_sequences

__all__ = ["pad_sequences"]
