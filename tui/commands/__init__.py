"""One module per ``upr`` subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""
