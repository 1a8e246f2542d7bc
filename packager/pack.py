"""`lxpack pack`: from a program and options to a written bundle.

Owns: option validation (format from OUT, --name, --bundle-id, --env), the
order of work (check OUT, scan --include, resolve the closure, refuse an
incomplete one unless --allow-missing, lay out root/, hash, build the tree
with the manifest, Info.plist, launcher, run.py and vendored code, hand it
to the writer) and the environment additions the closure implies
(LD_LIBRARY_PATH when --library-path was used). Everything the bundle
holds is decided here; writers only write.

Imports: the other packager modules, lxpack.errors.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

import lxpack
from lxpack.errors import OutputError, PackError, UsageError
from lxpack.packager import (atomic, elfhead, extras, layout, macos_libs, profile, profile_pick, program_ui, pydist,
                             render, searchpath, vendor)
from lxpack.packager.closure import Closure, Resolver
from lxpack.manifest import ClosureEntry, Manifest
from lxpack.packager.progress import Progress
from lxpack.packager.tree import Tree
from lxpack.packager.writers import WRITERS

FORMATS = ("app", "onefile", "dir")
BUNDLE_VERSION = "1.0"
MIN_MACOS = "10.15"
LD_SO_CACHE = "/etc/ld.so.cache"
_BUNDLE_ID = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class PackOptions:
    program: str
    output: str
    format: str | None = None
    includes: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    name: str | None = None
    bundle_id: str | None = None
    env: list[str] = field(default_factory=list)  # "K=V"
    force: bool = False
    allow_missing: bool = False
    host_exec: list[str] = field(default_factory=list)
    library_path: str | None = None
    cwd: str | None = None
    # Carry unicorn's macOS libraries (Apple silicon and Intel) so the bundle
    # also runs on a Mac; None: yes for the app format, no for the others.
    macos: bool | None = None
    # Which Macs: "arm64", "x86_64" or "both" (None: both). Given explicitly,
    # it implies macos unless macos is False, which is then a usage error.
    mac_arch: str | None = None
    # The CPython a macOS bundle carries (packager.pydist): --python-dist
    # distributions (tarballs or directories, one per Mac architecture), and
    # whether to embed one (None: when the bundle targets Macs, a missing one
    # being a warning; True: a missing one is an error; False: never).
    python_dists: list[str] = field(default_factory=list)
    embed_python: bool | None = None
    # lxpack trace profiles: the traced paths a Mac lacks are packed too.
    profiles: list[str] = field(default_factory=list)
    # What the program needs beyond its ELF closure (packager.knowledge rules,
    # --with-package...): see packager/extras.py.
    additions: extras.Options = field(default_factory=extras.Options)


@dataclass
class PackResult:
    output: str
    format: str
    manifest: Manifest
    closure: Closure
    warnings: list[str]
    excluded: list[str]
    profile_added: int = 0  # files (not links or directories) the profiles added
    extras: list = field(default_factory=list)  # knowledge.Extra: what was added and why
    pythons: list = field(default_factory=list)  # pydist.Prepared: the CPythons for Macs it carries


def choose_format(output: str, fmt: str | None) -> str:
    """--format if given; else OUT ending in .app means app, anything else onefile."""
    if fmt:
        if fmt not in FORMATS:
            raise UsageError("unknown format %r (use one of: %s)" % (fmt, ", ".join(FORMATS)))
        return fmt
    return "app" if output.rstrip("/").endswith(".app") else "onefile"


def default_name(output: str) -> str:
    base = os.path.basename(output.rstrip("/"))
    stem = os.path.splitext(base)[0]
    return stem or base


def check_name(name: str) -> str:
    if (not name or name in (".", "..") or "/" in name
            or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise UsageError("invalid --name %r: it must be a file name (no '/', no control characters)" % name)
    return name


def check_bundle_id(bundle_id: str | None, name: str) -> str:
    if bundle_id is None:
        slug = re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "app"
        return "org.lxpack." + slug
    if not _BUNDLE_ID.match(bundle_id):
        raise UsageError("invalid --bundle-id %r: use letters, digits, '-' and '.', "
                         "like com.example.tool" % bundle_id)
    return bundle_id


def parse_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not _ENV_KEY.match(key):
            raise UsageError("invalid --env %r: expected NAME=VALUE" % pair)
        env[key] = value
    return env


def incomplete_message(closure: Closure, excluder: layout.Excluder) -> str | None:
    """One line naming every missing library and unsatisfied version, or None."""
    parts = []
    missing = [m for m in closure.missing if not excluder(m.name)]
    if missing:
        items = []
        for m in missing:
            detail = "" if m.detail == "not found" else ": " + m.detail
            items.append("%s (needed by %s%s)" % (m.name, ", ".join(m.needed_by), detail))
        parts.append("missing librar%s: %s" % ("y" if len(items) == 1 else "ies", "; ".join(items)))
    if closure.unsatisfied:
        parts.append("unsatisfied symbol version%s: %s" % (
            "" if len(closure.unsatisfied) == 1 else "s", "; ".join(str(u) for u in closure.unsatisfied)))
    return " -- ".join(parts) if parts else None


def want_macos(opts: PackOptions, fmt: str) -> bool:
    """Whether the bundle carries unicorn's macOS libraries (--macos, --mac-arch)."""
    if opts.mac_arch is not None:
        macos_libs.arches(opts.mac_arch)  # a bad value is a usage error
        if opts.macos is False:
            raise UsageError("--mac-arch %s contradicts --no-macos" % opts.mac_arch)
        return True
    return opts.macos if opts.macos is not None else fmt == "app"


def _needs_ld_cache(closure: Closure) -> bool:
    sysdirs = set(searchpath.system_dirs(closure.lib_dst))
    return any(o.reason == "ld.so.cache" and os.path.dirname(o.path) not in sysdirs
               for o in closure.objects)


def _sha256(path: str, progress) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
                size += len(chunk)
                progress.advance(len(chunk))
    except OSError as e:
        raise PackError("cannot read %s: %s" % (path, e.strerror or e)) from None
    return h.hexdigest(), size


def pack(opts: PackOptions, progress: Progress | None = None) -> PackResult:
    """Pack `opts.program` into `opts.output`. Raises LxpackError subclasses."""
    progress = progress or Progress(False)
    cwd = os.path.abspath(opts.cwd or os.getcwd())
    fmt = choose_format(opts.output, opts.format)
    name = check_name(opts.name if opts.name is not None else default_name(opts.output))
    bundle_id = check_bundle_id(opts.bundle_id, name)
    env = parse_env(opts.env)
    macos = want_macos(opts, fmt)
    program = os.path.normpath(os.path.join(cwd, opts.program))
    elfhead.check_input(program)
    output = atomic.check_output(os.path.join(cwd, opts.output), opts.force)
    atomic.probe_writable(output)
    excluder = layout.Excluder(opts.excludes)
    warnings: list[str] = []

    picked = None
    if opts.profiles:
        picked = profile_pick.pick(profile.load_all([os.path.join(cwd, p) for p in opts.profiles]), output)
    found = discover_extras(program, opts.includes, opts.additions, opts.library_path, cwd, output, picked)
    scan, closure = found.scan, found.closure
    soft = extras.soft_missing(closure)
    if soft - extras.loaded_names(closure):
        warnings.append("libraries needed only by added files are missing (those files will not "
                        "load): %s" % ", ".join(sorted(soft - extras.loaded_names(closure))))
    if scan.skipped:
        warnings.append("left out %d broken symbolic link%s of added trees (first: %s)"
                        % (len(scan.skipped), "" if len(scan.skipped) == 1 else "s",
                           scan.skipped[0].split(": ", 1)[-1]))
    problem = incomplete_message(closure, layout.Excluder(opts.excludes + sorted(soft)))
    if problem:
        if not opts.allow_missing:
            raise PackError("cannot pack %s: %s (--allow-missing packs anyway)" % (program, problem))
        warnings.append("packing an incomplete closure: " + problem)
    if opts.library_path and "LD_LIBRARY_PATH" not in env:
        env["LD_LIBRARY_PATH"] = ":".join(closure.library_dirs)

    extra = [(LD_SO_CACHE, "ld.so.cache (libraries outside the system dirs)")] \
        if _needs_ld_cache(closure) else []
    plan = layout.plan_root(closure, program, scan, excluder, extra)

    vendored = vendor.files()
    if macos:
        vendored = sorted(vendored + macos_libs.files(mac_arch=opts.mac_arch or "both"),
                          key=lambda v: v.dest)
    files = [e for e in plan.entries if not e.is_link and not e.is_dir]
    total = sum(os.path.getsize(e.source) for e in files) + sum(os.path.getsize(v.source) for v in vendored)
    progress.phase("hashing", total, len(files) + len(vendored))
    manifest_entries = []
    for e in plan.entries:
        if e.is_dir:
            continue
        sha = size = None
        if not e.is_link:
            sha, size = _sha256(e.source, progress)
            e.size, e.sha256 = size, sha  # remembered for the tree
            progress.file_done()
        manifest_entries.append(ClosureEntry(e.path, e.kind, sha, size, sorted(e.needed_by),
                                             e.link_target, e.reason))
    code = hashlib.sha256()
    digests = {}
    for v in vendored:
        digest, _ = _sha256(v.source, progress)
        digests[v.dest] = digest
        code.update(("%s %s\n" % (v.dest, digest)).encode())
        progress.file_done()

    pythons = []
    if macos:
        values = dict(name=name, bundle_id=bundle_id, version=BUNDLE_VERSION, min_macos=MIN_MACOS,
                      lxpack_version=lxpack.__version__, code_digest=code.hexdigest()[:16])
        pythons = pydist.for_bundle([a.split("-", 1)[1] for a in macos_libs.arches(opts.mac_arch or "both")],
                                    [os.path.join(cwd, p) for p in opts.python_dists], opts.embed_python,
                                    vendored, render.render("run.py.j2", **values), code.hexdigest(), warnings)
    elif opts.python_dists or opts.embed_python:
        raise UsageError("--python-dist and --embed-python need a bundle for Macs (--macos or --mac-arch)")

    manifest = Manifest(name=name, entry=plan.entry, argv0=program,
                        interpreter=closure.program.info.interpreter, env=env,
                        host_exec=list(opts.host_exec), closure=manifest_entries,
                        case_renamed=dict(plan.case_renamed),
                        ui=program_ui.classify(closure.program.info.needed)[0])
    tree = build_tree(name, bundle_id, manifest, plan, vendored, code.hexdigest()[:16], digests, pythons)
    progress.phase("writing", tree.total_bytes(), tree.total_files())
    try:
        written = WRITERS[fmt](tree, output, opts.force, progress)
    except OSError as e:
        raise OutputError("cannot write %s: %s" % (e.filename or output, e.strerror or e)) from None
    added = sum(1 for e in manifest_entries if e.reason == profile_pick.REASON and e.symlink_target is None)
    return PackResult(written, fmt, manifest, closure, warnings, plan.excluded, added, found.extras, pythons)


def discover_extras(program: str, includes: list[str], opts: extras.Options, library_path: str | None,
                    cwd: str, output: str | None = None, picked=None) -> extras.Discovery:
    """The include scan and closure with what packager.extras adds and what
    the profiles picked (also used by inspect)."""
    program = os.path.normpath(os.path.join(cwd, program))

    def scan_and_resolve(found):
        scan = layout.scan_includes(includes, cwd, output, extras.as_items(found))
        if picked is not None:
            scan.entries.extend(picked.entries)
            scan.elf_objects.extend(picked.elf_objects)
        try:
            closure = Resolver(library_path=library_path, cwd=cwd).resolve(program, scan.elf_objects)
        except OSError as e:
            raise PackError("%s: %s" % (e.filename or program, e.strerror or e)) from None
        return scan, closure
    return extras.discover(program, opts, scan_and_resolve)


def build_tree(name: str, bundle_id: str, manifest: Manifest, plan: layout.RootPlan,
               vendored: list[vendor.VendoredFile], code_digest: str,
               digests: dict[str, str] | None = None, pythons=()) -> Tree:
    """The bundle tree, paths relative to Contents/. `digests` (vendored
    dest -> sha256) and the plan's hashes let identical files be stored once."""
    digests = digests or {}
    tree = Tree()
    values = dict(name=name, bundle_id=bundle_id, version=BUNDLE_VERSION, min_macos=MIN_MACOS,
                  lxpack_version=lxpack.__version__, code_digest=code_digest, ui=manifest.ui)
    tree.add_bytes("Info.plist", render.render("Info.plist.j2", **values))
    tree.add_bytes("MacOS/" + name, render.render("launcher.sh.j2", **values), mode=0o755)
    tree.add_bytes("Resources/lxpack/run.py", render.render("run.py.j2", **values))
    tree.add_bytes("Resources/lxpack/manifest.json", manifest.to_json())
    for v in vendored:
        tree.add_file("Resources/lxpack/python/" + v.dest, v.source, v.mode, os.path.getsize(v.source),
                      digests.get(v.dest))
    for py in pythons:  # pydist.Prepared: stripped and signed CPythons for Macs
        for rel, host in py.files():
            if os.path.islink(host):
                tree.add_link("%s/%s" % (py.dest, rel), os.readlink(host))
            else:
                tree.add_file("%s/%s" % (py.dest, rel), host, os.stat(host).st_mode & 0o777,
                              os.path.getsize(host))
    for e in plan.entries:
        path = "Resources/root" + e.stored_path
        if e.is_dir:
            tree.add_dir(path)
        elif e.is_link:
            tree.add_link(path, e.link_target)
        else:
            tree.add_file(path, e.source, e.mode, e.size, e.sha256)
    return tree
