"""pre-commit hooks for dlint: this package only depends on dlint-cli, which installs `dlint`."""
