"""Author resolution (DESIGN §4): --author > UPR_AUTHOR > config > ask once on a terminal > user@host.

Every test points UPR_CONFIG_DIR at its own tmp folder, so the real config is never touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tui.config import default_author, load_config, resolve_author, save_config
from tui.model import AUTHOR_RE
from tui.paths import config_file


@pytest.fixture(autouse=True)
def private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config folder of this test only; no UPR_AUTHOR from the environment of the run."""
    folder = tmp_path / "config"
    monkeypatch.setenv("UPR_CONFIG_DIR", str(folder))
    monkeypatch.delenv("UPR_AUTHOR", raising=False)
    monkeypatch.delenv("CI", raising=False)
    return folder


class Asker:
    """Stands in for input(): returns answers in turn and counts the questions."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.answers.pop(0)


def test_config_file_follows_upr_config_dir(private_config: Path) -> None:
    assert config_file() == private_config / "config.yaml"


def test_cli_value_wins_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPR_AUTHOR", "env.user")
    save_config({"author": "config.user"})
    asker = Asker("typed")
    assert resolve_author("cli.user", ask=asker, interactive=True) == "cli.user"
    assert asker.prompts == []


def test_environment_wins_over_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPR_AUTHOR", "env.user")
    save_config({"author": "config.user"})
    assert resolve_author(None, interactive=False) == "env.user"


def test_config_wins_over_asking() -> None:
    save_config({"author": "config.user"})
    asker = Asker("typed")
    assert resolve_author(None, ask=asker, interactive=True) == "config.user"
    assert asker.prompts == []


def test_terminal_asks_once_and_remembers() -> None:
    asker = Asker("maria.k@ohchr")
    assert resolve_author(None, ask=asker, interactive=True) == "maria.k@ohchr"
    assert len(asker.prompts) == 1
    assert yaml.safe_load(config_file().read_text("utf-8")) == {"author": "maria.k@ohchr"}
    again = Asker("someone.else")
    assert resolve_author(None, ask=again, interactive=True) == "maria.k@ohchr"
    assert again.prompts == []


def test_empty_answer_takes_the_default_and_remembers_it() -> None:
    asker = Asker("")
    author = resolve_author(None, ask=asker, interactive=True)
    assert author == default_author()
    assert load_config()["author"] == author


def test_invalid_answer_is_asked_again() -> None:
    asker = Asker("Maria K!", "maria.k")
    assert resolve_author(None, ask=asker, interactive=True) == "maria.k"
    assert len(asker.prompts) == 2
    assert "not valid" in asker.prompts[1]


def test_end_of_input_falls_back_to_default() -> None:
    def closed(prompt: str) -> str:
        raise EOFError

    assert resolve_author(None, ask=closed, interactive=True) == default_author()


def test_without_a_terminal_never_asks_and_uses_user_at_host() -> None:
    asker = Asker("typed")
    author = resolve_author(None, ask=asker, interactive=False)
    assert asker.prompts == []
    assert author == default_author()
    assert "@" in author and AUTHOR_RE.match(author)
    assert not config_file().exists()  # nothing asked, nothing saved


@pytest.mark.parametrize("bad", ["has space", "x" * 65, "évé", "a|b", "a\x1b[2J"])
def test_invalid_cli_author_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        resolve_author(bad, interactive=False)


def test_invalid_environment_author_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPR_AUTHOR", "not valid")
    with pytest.raises(ValueError):
        resolve_author(None, interactive=False)


def test_invalid_author_in_config_is_ignored() -> None:
    save_config({"author": "not valid!"})
    assert resolve_author(None, interactive=False) == default_author()


def test_save_config_merges_and_keeps_other_keys() -> None:
    save_config({"last_country": "SVN"})
    save_config({"author": "ana"})
    assert load_config() == {"last_country": "SVN", "author": "ana"}


def test_broken_config_is_read_as_empty_and_never_overwritten() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text("author: [unclosed\n", "utf-8")
    assert load_config() == {}
    with pytest.raises(OSError):
        save_config({"author": "ana"})
    assert path.read_text("utf-8") == "author: [unclosed\n"
    # Asking still works; the answer just is not remembered.
    assert resolve_author(None, ask=Asker("ana"), interactive=True) == "ana"
    assert path.read_text("utf-8") == "author: [unclosed\n"


def test_config_with_python_tags_is_not_executed() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text("author: !!python/object/apply:os.system ['echo pwned']\n", "utf-8")
    assert load_config() == {}
