"""keras.utils.load_img / img_to_array / array_to_img / save_img (PIL), and smart_resize.

Also reachable as ``keras.preprocessing.image.*`` (tf.keras 2 paths).
"""
import io
import os
import pathlib
import warnings

import numpy as np
import torch

from kerasish import backend

try:
    from PIL import Image as _pil_image
except ImportError:  # pragma: no cover - pillow is a dependency of torchvision
    _pil_image = None

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"]


def _pil():
    if _pil_image is None:
        raise ImportError("Could not import PIL.Image: install pillow (`pip install pillow`).")
    return _pil_image


def _resampling_methods():
    pil = _pil()
    modes = getattr(pil, "Resampling", pil)
    return {"nearest": modes.NEAREST, "bilinear": modes.BILINEAR, "bicubic": modes.BICUBIC,
            "hamming": modes.HAMMING, "box": modes.BOX, "lanczos": modes.LANCZOS}


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3-D array (H, W, C) to a PIL image.

    Args:
        x: array-like of rank 3 with 1, 3 or 4 channels.
        data_format: ``'channels_last'`` or ``'channels_first'``; None = the global setting.
        scale: stretch the values to ``[0, 255]`` (min → 0, max → 255).
        dtype: dtype used for the arithmetic; None = ``floatx()``.

    Returns:
        A PIL image: mode ``'L'`` (or ``'I'`` when values exceed 255), ``'RGB'`` or ``'RGBA'``.
    """
    pil = _pil()
    data_format = backend.standardize_data_format(data_format)
    if isinstance(x, torch.Tensor):
        x = backend.convert_to_numpy(x)
    x = np.array(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(
            "array_to_img: expected an image array of rank 3 (a single image). "
            f"Received an array of shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return pil.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return pil.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return pil.fromarray(x[:, :, 0].astype("int32"), "I")
        return pil.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(
        f"array_to_img: unsupported number of channels: {channels} (expected 1, 3 or 4)")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL image to a 3-D numpy array (H, W, C), or (C, H, W) channels first.

    Args:
        img: PIL image (or anything numpy can turn into a 2-D/3-D array).
        data_format: ``'channels_last'`` or ``'channels_first'``; None = the global setting.
        dtype: result dtype; None = ``floatx()``.
    """
    data_format = backend.standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"img_to_array: unsupported image shape: {x.shape} (expected rank 2 or 3)")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image array to a file (format from the suffix unless ``file_format``).

    Extra keyword arguments go to ``PIL.Image.save`` (e.g. ``quality=95``).
    """
    data_format = backend.standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; the RGBA image is saved as RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image file into a PIL image.

    Args:
        path: file path (str, bytes, ``pathlib.Path``) or a binary file object.
        color_mode: ``'rgb'``, ``'rgba'`` or ``'grayscale'``.
        target_size: None (keep the size) or ``(height, width)``.
        interpolation: resampling used when resizing: ``'nearest'``, ``'bilinear'``,
            ``'bicubic'``, ``'hamming'``, ``'box'`` or ``'lanczos'``.
        keep_aspect_ratio: crop the centre to the target aspect ratio before resizing.

    Returns:
        A PIL image.

    Example:

    >>> img = load_img("cat.png", target_size=(180, 180))  # doctest: +SKIP
    >>> x = img_to_array(img)[None]  # a batch of one image
    """
    pil = _pil()
    if isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            img = pil.open(io.BytesIO(f.read()))
    elif hasattr(path, "read"):
        img = pil.open(path)
    else:
        raise TypeError(f"load_img: `path` should be path-like or a binary file object, not "
                        f"{type(path).__name__}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode in ("rgba", "rgb"):
        if img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
    else:
        raise ValueError("load_img: `color_mode` must be 'rgb', 'rgba' or 'grayscale'. "
                         f"Received: color_mode={color_mode!r}")
    if target_size is None:
        return img
    size = (int(target_size[1]), int(target_size[0]))  # PIL wants (width, height)
    if img.size == size:
        return img
    methods = _resampling_methods()
    if interpolation not in methods:
        raise ValueError(f"load_img: invalid interpolation method {interpolation!r}. Supported "
                         f"methods are {', '.join(methods)}")
    box = None
    if keep_aspect_ratio:
        width, height = img.size
        crop_h = min(height, width * size[1] // size[0])
        crop_w = min(width, height * size[0] // size[1])
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        box = [left, top, left + crop_w, top + crop_h]
    return img.resize(size, methods[interpolation], box=box)


# ----------------------------------------------------------------------------- resizing
_TORCH_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic",
                "area": "area"}


def crop_box(height, width, target_height, target_width):
    """(top, left, crop_height, crop_width) of the largest centred crop with the target's
    aspect ratio."""
    crop_h = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_w = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def resize_images(images, size, interpolation="bilinear", crop_to_aspect_ratio=False,
                  pad_to_aspect_ratio=False, fill_value=0.0):
    """Resizes a float tensor of images (N, C, H, W) to ``size`` = (height, width)."""
    if interpolation not in _TORCH_MODES:
        raise ValueError(f"Resizing supports interpolation in {tuple(_TORCH_MODES)}. "
                         f"Received: interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("`crop_to_aspect_ratio` and `pad_to_aspect_ratio` cannot both be True.")
    height, width = images.shape[-2:]
    target_h, target_w = size
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = crop_box(height, width, target_h, target_w)
        images = images[..., top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(float(width * target_h) / target_w))
        pad_w = max(width, int(float(height * target_w) / target_h))
        top, left = int(float(pad_h - height) / 2), int(float(pad_w - width) / 2)
        images = torch.nn.functional.pad(images, (left, left, top, top), value=fill_value)
    if tuple(images.shape[-2:]) == (target_h, target_w) and interpolation != "area":
        return images
    mode = _TORCH_MODES[interpolation]
    align = False if mode in ("bilinear", "bicubic") else None
    return torch.nn.functional.interpolate(images, size=(target_h, target_w), mode=mode,
                                           align_corners=align, antialias=False)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resizes an image (or batch) to ``size`` without distortion: crops the largest centred
    region with the target aspect ratio, then resizes it.

    Args:
        x: image ``(H, W, C)`` or batch ``(N, H, W, C)`` (channels first with
            ``data_format='channels_first'``), numpy or torch.
        size: ``(height, width)``.
        interpolation: ``'bilinear'``, ``'nearest'``, ``'bicubic'`` or ``'area'``.

    Returns:
        The resized image(s), numpy for numpy input, torch for torch input.
    """
    if len(size) != 2:
        raise ValueError(f"smart_resize: expected `size` to be (height, width). Received: {size}")
    is_numpy = not isinstance(x, torch.Tensor)
    img = torch.as_tensor(np.asarray(x)) if is_numpy else x
    if img.dim() not in (3, 4):
        raise ValueError(
            "smart_resize: expected an image of shape (height, width, channels) or a batch "
            f"(batch_size, height, width, channels). Received: {tuple(img.shape)}")
    out_dtype = img.dtype
    batched = img.dim() == 4
    if not batched:
        img = img[None]
    if data_format == "channels_last":
        img = img.permute(0, 3, 1, 2)
    img = resize_images(img.to(torch.float32), size, interpolation, crop_to_aspect_ratio=True)
    if data_format == "channels_last":
        img = img.permute(0, 2, 3, 1)
    if not batched:
        img = img[0]
    if out_dtype.is_floating_point:
        img = img.to(out_dtype)
    elif out_dtype != torch.bool:
        info = torch.iinfo(out_dtype)
        img = torch.round(img).clamp(info.min, info.max).to(out_dtype)
    return img.numpy() if is_numpy else img
