"""keras.preprocessing.image (tf.keras 2 path): image file helpers."""
from kerasish.utils.image_utils import array_to_img
from kerasish.utils.image_utils import img_to_array
from kerasish.utils.image_utils import load_img
from kerasish.utils.image_utils import save_img
from kerasish.utils.image_utils import smart_resize

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
