"""Colour checks that keep each workspace's accent inside the brand and readable (WCAG AA)."""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour_for(background: str) -> str:
    """White or near-black text, whichever reads better on `background`."""
    if not HEX_COLOUR.match(background or ""):
        return "#ffffff"
    white = contrast_ratio(background, "#ffffff")
    black = contrast_ratio(background, "#0b0c0c")
    return "#ffffff" if white >= black else "#0b0c0c"


def accent_problem(hex_colour: str) -> str | None:
    """Why a colour cannot be a workspace accent, or None when it can.

    The accent is used for the workspace banner with white text and for links on white, so
    it must reach 4.5:1 against white.
    """
    if not HEX_COLOUR.match(hex_colour or ""):
        return "Enter a colour as # followed by six hexadecimal digits, like #1d70b8"
    ratio = contrast_ratio(hex_colour, "#ffffff")
    if ratio < MIN_CONTRAST:
        return (
            f"This colour is too light: white text on it has a contrast of {ratio:.1f}:1 "
            f"and needs at least {MIN_CONTRAST}:1. Choose a darker colour."
        )
    return None
