"""jinja2 templates for bundles: Info.plist, the launcher, run.py and the
one-file header. Data only; packager.render loads them."""
