"""The Easy Read pictures shipped in prompts/pictures: symbols from OpenMoji (CC BY-SA 4.0;
LICENSE.txt and ATTRIBUTION.md are beside them), 72 pixels square, one PNG file per picture
(docs/easy-read.md).

`pictures.yaml` gives each picture its words for people who cannot see it (`alt`);
`strings.yaml` chooses the picture of a short string of prompts/strings that is shown as an
Easy Read idea of its own. Both are read once per process and checked: a picture with no file
or no words, or a string given a picture that does not exist, stops start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from bot.core.messages import Picture
from bot.core.yaml_data import DataFileError, load_data_file

FOLDER = "pictures"


class PicturesError(DataFileError):
    """prompts/pictures is broken (a picture without its file or its words). Stops start-up."""


def _folder() -> Traversable:
    return resources.files("prompts").joinpath(FOLDER)


@dataclass(frozen=True)
class Pictures:
    alts: Mapping[str, str]
    # A key of prompts/strings -> the name of its picture.
    for_strings: Mapping[str, str]

    @classmethod
    def load(cls) -> Pictures:
        folder = _folder()
        try:
            listed_text = folder.joinpath("pictures.yaml").read_text(encoding="utf-8")
            chosen_text = folder.joinpath("strings.yaml").read_text(encoding="utf-8")
        except OSError as exc:
            raise PicturesError(f"prompts/{FOLDER} could not be read: {exc}") from exc
        listed = load_data_file(listed_text, f"prompts/{FOLDER}/pictures.yaml", PicturesError)
        chosen = load_data_file(chosen_text, f"prompts/{FOLDER}/strings.yaml", PicturesError)
        alts: dict[str, str] = {}
        for name, entry in (listed or {}).items():
            alt = entry.get("alt") if isinstance(entry, Mapping) else None
            if not isinstance(alt, str) or not alt.strip():
                raise PicturesError(f"prompts/{FOLDER}/pictures.yaml: {name!r} has no alt words")
            if not folder.joinpath(f"{name}.png").is_file():
                raise PicturesError(f"prompts/{FOLDER}/{name}.png is missing")
            alts[str(name)] = alt.strip()
        for key, name in (chosen or {}).items():
            if name not in alts:
                raise PicturesError(
                    f"prompts/{FOLDER}/strings.yaml: {key!r} names {name!r}, not a picture"
                )
        return cls(alts=alts, for_strings={str(k): str(v) for k, v in (chosen or {}).items()})

    def picture(self, name: str) -> Picture:
        return Picture(name, self.alts[name])

    def for_string(self, key: str) -> Picture | None:
        name = self.for_strings.get(key)
        return self.picture(name) if name else None


@cache
def shared_pictures() -> Pictures:
    """The pictures' words and choices, read once per process."""
    return Pictures.load()


@cache
def picture_png(name: str) -> bytes:
    """The picture's PNG file (a few kilobytes; the few dozen used are kept once read)."""
    if name not in shared_pictures().alts:
        raise PicturesError(f"no picture {name!r} in prompts/{FOLDER}")
    return _folder().joinpath(f"{name}.png").read_bytes()
