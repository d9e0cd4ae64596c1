"""The palette new codes take their colour from."""
import re

from qualcode.palette import PALETTE, next_color


def test_palette_is_large_and_distinct():
    assert len(PALETTE) >= 20 and len(set(PALETTE)) == len(PALETTE)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in PALETTE)


def test_next_color_takes_the_first_unused_then_the_least_used():
    assert next_color([]) == PALETTE[0]
    assert next_color([PALETTE[0].upper(), "#123456", None]) == PALETTE[1]
    taken = []
    for _ in range(len(PALETTE)):
        taken.append(next_color(taken))
    assert taken == list(PALETTE)  # twelve new codes: twelve colours, never the same blue
    assert next_color(taken + [PALETTE[0]]) == PALETTE[1]
