"""keras.layers preprocessing layers, one import path for three families:

- image_preprocessing: Rescaling, Resizing, CenterCrop and the random augmentation layers;
- numeric_preprocessing: Normalization, Discretization, CategoryEncoding;
- text_preprocessing: StringLookup, IntegerLookup, TextVectorization.
"""
from kerasish.layers.image_preprocessing import (
    CenterCrop as CenterCrop, RandomBrightness as RandomBrightness, RandomContrast as RandomContrast,
    RandomCrop as RandomCrop, RandomFlip as RandomFlip, RandomRotation as RandomRotation,
    RandomTranslation as RandomTranslation, RandomZoom as RandomZoom, Rescaling as Rescaling, Resizing as Resizing,
)
from kerasish.layers.numeric_preprocessing import (
    CategoryEncoding as CategoryEncoding, Discretization as Discretization, Normalization as Normalization,
)
from kerasish.layers.text_preprocessing import (
    IntegerLookup as IntegerLookup, StringLookup as StringLookup, TextVectorization as TextVectorization,
)

__all__ = [
    "CategoryEncoding", "CenterCrop", "Discretization", "IntegerLookup", "Normalization", "RandomBrightness",
    "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling",
    "Resizing", "StringLookup", "TextVectorization",
]
