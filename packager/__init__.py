"""lxpack.packager: from a Linux x86-64 program to a bundle (see docs/PACKAGING.md).

Modules, in the order a pack uses them:
  elfhead     ELF identification with struct; vets inputs and search candidates
  _lief       the only LIEF importer: ElfInfo (dynamic section, versions)
  ldconfig    /etc/ld.so.cache (glibc-ld.so.cache1.1) and ld.so.conf parsing
  searchpath  DSTs ($ORIGIN, $LIB, $PLATFORM), search-path splitting, system dirs
  closure     glibc (and musl) ld.so closure resolution -> Closure
  versions    symbol-version check across a closure
  report      `inspect` output: lddtree-like text and JSON
  layout      root/ entries: symlink chains, --include walk, --exclude
  vendor      the runtime code a bundle carries
  render      jinja2 over lxpack.templates
  tree        the bundle tree; reproducible directory and tar writing
  atomic      temporary sibling + rename; nothing left behind on failure
  progress    rich progress bar on a terminal
  writers/    app, onefile, dir
  pack        option checks and the order of work

Imports lxpack (version), lxpack.errors, lxpack.manifest (manifest.json, shared
with the runtime that reads it), jinja2, rich, LIEF (in _lief only);
never lxpack.runtime or lxpack.unikernel: the packager only writes files.
"""
