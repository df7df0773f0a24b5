"""Command palette entries for every key of the screen in front (DESIGN §8)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenActions(Provider):
    """Each active binding of the current screen as a palette command, with its key shown."""

    def _commands(self) -> list[tuple[str, str, object, str]]:
        screen = self.screen
        out: list[tuple[str, str, object, str]] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action == "command_palette":
                continue
            if binding.description in seen:
                continue
            seen.add(binding.description)
            key = screen.app.get_key_display(binding)
            out.append((binding.description, binding.action, active.node, key))
        return out

    async def discover(self) -> Hits:
        for description, action, node, key in self._commands():
            yield DiscoveryHit(
                f"{description} ({key})",
                partial(self._run, node, action),
                help=f"key: {key}",
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, node, key in self._commands():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(f"{description} ({key})"),
                    partial(self._run, node, action),
                    help=f"key: {key}",
                )

    async def _run(self, node: object, action: str) -> None:
        await self.app.run_action(action, node)  # type: ignore[arg-type]
