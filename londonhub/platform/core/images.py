"""Uploaded images, judged by their bytes (never their name or the browser's claim).

One check for every upload (workspace logos, room photos): PNG or JPEG only, within a size in
bytes and in pixels, refused before decoding when the header claims too many pixels, and fully
decoded so a truncated or corrupt file is refused too.
"""

from __future__ import annotations

import io
import warnings

from .uploads import too_large_message

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class ImageError(ValueError):
    """The file is not an acceptable image: the message says why, for a person;
    `field` is the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_image(data: bytes, *, max_bytes: int, max_pixels: int, field: str) -> str:
    """The image's content type ("image/png" or "image/jpeg"), or ImageError.

    `max_pixels` bounds both the width and the height; `field` names the thing in messages
    ("logo", "photo") and is the error's form field.
    """
    from PIL import Image

    if not data:
        raise ImageError(f"Choose a {field} file to upload", field)
    if len(data) > max_bytes:
        raise ImageError(too_large_message(field, max_bytes), field)
    not_image = ImageError(f"The {field} must be a PNG or JPEG image", field)
    if not data.startswith(_SIGNATURES):
        raise not_image
    damaged = ImageError(f"The {field} file is damaged or not a PNG or JPEG image", field)
    too_big = ImageError(f"The {field} must be at most {max_pixels} by {max_pixels} pixels", field)
    formats = list(IMAGE_TYPES)
    try:
        with warnings.catch_warnings():
            # A header that claims a huge image is refused, never decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                image_format = image.format
                width, height = image.size
                image.verify()  # PNG: chunk checksums; JPEG checks nothing here
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise too_big from exc
    except Exception as exc:  # Pillow fails on bad bytes with OSError, SyntaxError, struct.error...
        raise damaged from exc
    if image_format not in IMAGE_TYPES:
        raise not_image
    if width > max_pixels or height > max_pixels:
        raise too_big
    try:
        # Decode every pixel (verify() does not): a truncated or corrupt image is refused.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                image.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise too_big from exc
    except Exception as exc:
        raise damaged from exc
    return IMAGE_TYPES[image_format]
