"""`lxpack pack` and `lxpack inspect` (owned by the packager work; placeholder)."""
import click


@click.command()
def pack():
    """Pack a program (not yet implemented)."""
    raise click.ClickException("pack is not implemented yet")


@click.command()
def inspect():
    """Inspect a program's closure (not yet implemented)."""
    raise click.ClickException("inspect is not implemented yet")
