"""Bundle writers, one per --format: app (Tool.app/Contents/...), onefile
(a sh header plus an xz'd tar), dir (the tree alone). Each takes the same
packager.tree.Tree (paths relative to Contents/) and writes it atomically
(packager.atomic) and reproducibly. WRITERS maps a format name to its
writer's `write(tree, out, force, progress) -> str` function."""
from lxpack.packager.writers import app, directory, onefile

WRITERS = {"app": app.write, "onefile": onefile.write, "dir": directory.write}
