"""keras.callbacks."""
from kerasish.callbacks.base import (
    Callback as Callback, CallbackList as CallbackList, History as History, ProgbarLogger as ProgbarLogger,
)
