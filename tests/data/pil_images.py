"""PNGs written by Pillow, an encoder independent of ours, for tests/data/image.test.ts.

    /usr/bin/python3 tests/data/pil_images.py DIR

Writes DIR/<mode>.png with DIR/<mode>.raw (Pillow's own decoded bytes) for modes L, LA, RGB and RGBA, 37 x 23
pixels; and DIR/<mode>-<side>.png with DIR/<mode>-<side>.box, Pillow's convert("L").resize((28, 28), BOX): grey
pixels averaged over the area each output pixel covers, for square images of sides 28, 56 and 84.
"""
import os
import sys

import numpy as np
from PIL import Image

DIR = sys.argv[1]
rng = np.random.default_rng(0)


def picture(width, height, channels):
    # Gradients with some noise: Pillow's adaptive filtering then picks different filters row by row.
    y, x = np.mgrid[0:height, 0:width]
    planes = [(x * (3 + c) + y * (5 - c) + rng.integers(0, 24, (height, width))) % 256 for c in range(channels)]
    return np.stack(planes, axis=-1).astype(np.uint8)


def image(array, mode):
    return Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array, mode)


for mode, channels in (("L", 1), ("LA", 2), ("RGB", 3), ("RGBA", 4)):
    img = image(picture(37, 23, channels), mode)
    img.save(os.path.join(DIR, f"{mode}.png"))
    with open(os.path.join(DIR, f"{mode}.raw"), "wb") as f:
        f.write(img.tobytes())

for mode, channels in (("L", 1), ("RGB", 3)):
    for side in (28, 56, 84):
        img = image(picture(side, side, channels), mode)
        img.save(os.path.join(DIR, f"{mode}-{side}.png"))
        with open(os.path.join(DIR, f"{mode}-{side}.box"), "wb") as f:
            f.write(img.convert("L").resize((28, 28), Image.BOX).tobytes())
