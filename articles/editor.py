"""
The markdownx editor's two endpoints, and the live readability figures
beside it, for active staff with change permission on articles only.

``markdownx.urls`` mounts both for anonymous users, so it is never included;
these views are mounted at the paths markdownx's JavaScript posts to.

The preview is markdownx's own view (it renders through
``MARKDOWNX_MARKDOWNIFY_FUNCTION``). The upload is ours: markdownx trusts the
declared content type and keeps the file's bytes, so an SVG or an HTML file
with an image header could be stored and later served. Here the bytes are
decoded by Pillow, only JPEG, PNG and WebP are accepted by the format Pillow
detects, and the image is re-encoded, which drops metadata and anything
appended to it.
"""

from __future__ import annotations

import io
import uuid
import warnings
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from articles.readability import Readability, assess, assess_sections

View = Callable[..., HttpResponse]

# Detected format -> (extension, save options). Nothing else is accepted.
IMAGE_FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "JPEG": ("jpg", {"quality": 90}),
    "PNG": ("png", {"optimize": True}),
    "WEBP": ("webp", {"quality": 90}),
}
# Larger images are refused from their header, before any pixel is decoded:
# a 170 kB PNG can declare 40 megapixels and take a worker to a gigabyte.
# 16 megapixels holds a 12-megapixel phone photo (4032 x 3024) with room.
MAX_PIXELS = 16_000_000
# Only this survives re-encoding: a palette PNG's transparent colour is part
# of the picture. EXIF, ICC profiles, JPEG comments and PNG text are dropped.
KEPT_INFO = {"transparency"}


class UploadRefusedError(Exception):
    pass


def _staff_with_perm(perm: str, view: View) -> View:
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = request.user
        if not (user.is_active and user.is_staff and user.has_perm(perm)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return require_POST(wrapped)


def _read_capped(request: HttpRequest, cap: int) -> bytes:
    # Refuse on the declared length before Django reads the body at all.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > cap + 64 * 1024:  # room for the multipart envelope
        raise UploadRefusedError(_("The image is larger than the limit of %(mb)s MB.") % _mb(cap))
    upload = request.FILES.get("image")
    if upload is None:
        raise UploadRefusedError(_("No image was sent."))
    if upload.size is not None and upload.size > cap:
        raise UploadRefusedError(_("The image is larger than the limit of %(mb)s MB.") % _mb(cap))
    data = upload.read(cap + 1)
    if len(data) > cap:
        raise UploadRefusedError(_("The image is larger than the limit of %(mb)s MB.") % _mb(cap))
    if not data:
        raise UploadRefusedError(_("The file is empty."))
    return data


def _mb(cap: int) -> dict[str, str]:
    return {"mb": f"{cap / (1024 * 1024):g}"}


def _clean_image(data: bytes) -> tuple[bytes, str]:
    """Decode, check and re-encode ``data``; return the new bytes and the
    extension of the detected format."""
    # Imported here, not at the top: only an upload needs Pillow, and every
    # web worker would otherwise pay for importing it at start-up.
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_an_image = _("The file is not a JPEG, PNG or WebP image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                detected = probe.format
                if detected not in IMAGE_FORMATS:
                    raise UploadRefusedError(not_an_image)
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise UploadRefusedError(
                        _(
                            "The image is %(width)d × %(height)d pixels (%(mp).1f megapixels); "
                            "the limit is %(limit)d megapixels. Resize it, for example to "
                            "4000 pixels on its longest side, and upload it again."
                        )
                        % {
                            "width": width,
                            "height": height,
                            "mp": width * height / 1_000_000,
                            "limit": MAX_PIXELS // 1_000_000,
                        }
                    )
                probe.verify()
            # verify() leaves the image unusable; decode it again for real.
            with Image.open(io.BytesIO(data), formats=[detected]) as image:
                image.load()
                clean = ImageOps.exif_transpose(image)
    except UploadRefusedError:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise UploadRefusedError(not_an_image) from error

    extension, options = IMAGE_FORMATS[detected]
    if detected == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    if detected == "PNG" and clean.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        clean = clean.convert("RGBA")
    if detected == "WEBP" and clean.mode not in ("RGB", "RGBA"):
        clean = clean.convert("RGBA" if "A" in clean.mode else "RGB")
    # Pillow's encoders fall back to image.info for exif, icc_profile and
    # comment, so the info is emptied rather than merely not passed on.
    clean.info = {key: value for key, value in clean.info.items() if key in KEPT_INFO}
    output = io.BytesIO()
    clean.save(output, format=detected, **options)
    return output.getvalue(), extension


def _upload(request: HttpRequest) -> JsonResponse:
    """Answers markdownx's contract: ``{"image_code": "![](url)"}`` on success,
    ``{"image": [message]}`` with status 400 for any unusable file."""
    try:
        data = _read_capped(request, settings.UPLOAD_MAX_BYTES)
        cleaned, extension = _clean_image(data)
    except UploadRefusedError as refusal:
        return JsonResponse({"image": [str(refusal)]}, status=400)
    name = f"{settings.MARKDOWNX_MEDIA_PATH}{uuid.uuid4().hex}.{extension}"
    saved = default_storage.save(name, ContentFile(cleaned))
    return JsonResponse({"image_code": f"![]({default_storage.url(saved)})"})


def _markdownify(request: HttpRequest) -> HttpResponse:
    # markdownx's views import Pillow; only editors need them, so public
    # workers do not load them at start-up.
    from markdownx.views import MarkdownifyView

    return MarkdownifyView.as_view()(request)


def _figures(found: Readability) -> dict[str, float | int]:
    return {
        "smog_grade": found.smog_grade,
        "flesch_reading_ease": found.flesch_reading_ease,
        "flesch_kincaid_grade": found.flesch_kincaid_grade,
        "words": found.words,
        "sentences": found.sentences,
    }


def _readability(request: HttpRequest) -> JsonResponse:
    """SMOG and Flesch for the posted ``content`` (a guide body), overall
    and per ``##`` section, with the site's SMOG target, for the editor to
    show as the text is typed.
    Guidance only. A body longer than a guide may be is refused (400), as
    the preview refuses to render one."""
    text = request.POST.get("content", "")
    limit = settings.ARTICLE_BODY_MAX_CHARS
    if len(text) > limit:
        return JsonResponse(
            {"error": _("The body is %(n)d characters long; the limit is %(limit)d.")
             % {"n": len(text), "limit": limit}},
            status=400,
        )  # fmt: skip
    return JsonResponse({
        "smog_target": settings.ARTICLE_SMOG_TARGET,
        "overall": _figures(assess(text)),
        "sections": [
            {"heading": section.heading, **_figures(section.figures)}
            for section in assess_sections(text)
        ],
    })  # fmt: skip


markdownify = _staff_with_perm("articles.change_article", _markdownify)
upload = _staff_with_perm("articles.change_article", _upload)
readability = _staff_with_perm("articles.change_article", _readability)
