"""keras.preprocessing: the tf.keras 2 / Keras 3 paths of the data utilities.

``keras.preprocessing.sequence.pad_sequences``, ``keras.preprocessing.image.load_img`` and
friends, and ``keras.preprocessing.image_dataset_from_directory`` /
``text_dataset_from_directory``.
"""
from kerasish.preprocessing import image
from kerasish.preprocessing import sequence
from kerasish.utils.dataset_utils import image_dataset_from_directory
from kerasish.utils.dataset_utils import text_dataset_from_directory

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory"]
