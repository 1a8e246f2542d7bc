"""`lxpack pack` and `lxpack inspect`: thin click wrappers over lxpack.packager.

Owns: the options and help text of the two commands, the progress bar's
lifetime and the last line a pack prints. The packager (and so LIEF) is
imported only when one of these commands runs, so `lxpack run` starts fast.
Errors are LxpackError subclasses; lxpack.cli prints them on one line.
"""
import os
import sys

import click

from lxpack.errors import LxpackError

PACK_EXIT_CODES = """\b
Exit status:
  0  packed
  1  OUT cannot be written (no such directory, permission denied...)
  2  usage: no such BINARY or --include path, a bad option value,
     --mac-arch with --no-macos
  3  cannot pack: not an ELF file, a linker script, a 32-bit or
     non-x86-64 ELF, missing libraries or symbol versions (see
     --allow-missing), a broken symlink in an --include'd tree,
     an lxpack installation missing runtime files
  4  OUT exists (use --force)"""


def _beyond_closure_options(f):
    """The options of what to pack beyond the ELF closure (pack and inspect)."""
    from lxpack.packager.knowledge import RULES
    opts = [
        click.option("--no-auto-data", is_flag=True,
                     help="Add nothing beyond the ELF closure by knowledge of the program (python's "
                          "standard library, gcc's cc1/as/ld/headers, perl's @INC, a JDK, git-core, "
                          "Tcl/Tk libraries) or of what it links (locale, gconv, zoneinfo, terminfo, "
                          "CA certificates)."),
        click.option("--no-rule", "no_rules", multiple=True, type=click.Choice(RULES), metavar="RULE",
                     help="Turn off one of those rules: %s. Repeatable." % ", ".join(RULES)),
        click.option("--with-site-packages", is_flag=True,
                     help="python: also pack site-packages/dist-packages (left out by default)."),
        click.option("--with-locales", is_flag=True,
                     help="Pack every compiled glibc locale, not just C.utf8."),
        click.option("--with-package", "with_packages", multiple=True, metavar="PKG",
                     help="Add the files of the installed package PKG (dpkg or rpm). Repeatable."),
        click.option("--with-owning-packages", is_flag=True,
                     help="Add the packages owning the program and its closure files."),
        click.option("--with-package-deps", is_flag=True,
                     help="With the two above: also their dependencies, recursively, minus the "
                          "base system (libc6, dpkg, perl-base... see docs/PACKAGING.md)."),
        click.option("--with-package-docs", is_flag=True,
                     help="Keep the documentation, man/info pages and translations of added packages."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _additions(no_auto_data, no_rules, with_site_packages, with_locales, with_packages,
               with_owning_packages, with_package_deps, with_package_docs):
    from lxpack.packager import extras, knowledge, packages
    return extras.Options(
        knowledge.Options(enabled=not no_auto_data, skip=frozenset(no_rules),
                          site_packages=with_site_packages, all_locales=with_locales),
        packages.PackageOptions(packages=tuple(with_packages), owning=with_owning_packages,
                                deps=with_package_deps, docs=with_package_docs))


def _run_guarded(fn):
    """Run fn(); OSError becomes one line, SIGTERM/SIGHUP the shell's 128+N."""
    from lxpack.packager.atomic import Terminated
    try:
        return fn()
    except Terminated as e:
        click.echo("lxpack: %s" % e, err=True)
        sys.exit(128 + e.signum)
    except OSError as e:
        raise LxpackError("%s%s" % (e.filename + ": " if e.filename else "", e.strerror or e)) from None


@click.command(epilog=PACK_EXIT_CODES)
@click.argument("binary")
@click.option("-o", "--output", required=True, metavar="OUT",
              help="Where to write the bundle. OUT ending in .app gives an app bundle, "
                   "anything else a one-file bundle, unless --format says otherwise.")
@click.option("--format", "fmt", type=click.Choice(["app", "onefile", "dir"]), default=None,
              help="app: Tool.app/Contents/...; onefile: one self-extracting executable; "
                   "dir: the bundle tree alone (run OUT/MacOS/NAME).")
@click.option("--include", "includes", multiple=True, metavar="PATH",
              help="Add a file or directory (dlopen'd plugins, data...) at its own path; "
                   "the libraries its ELF files need are added too. Repeatable.")
@click.option("--profile", "profiles", multiple=True, metavar="PROFILE",
              help="Also pack what `lxpack trace` recorded in PROFILE that a Mac lacks (files with "
                   "their symlinks, listed directories, the ELF closure of programs and libraries "
                   "it ran or mapped); never the user's files, /tmp, /proc, /dev. Repeatable.")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Leave out closure files matching GLOB (a full path if it has a '/', "
                   "else a file name). Repeatable.")
@click.option("--name", default=None, metavar="NAME", help="Bundle and launcher name [default: OUT's name "
                                           "without extension].")
@click.option("--bundle-id", default=None, metavar="ID",
              help="CFBundleIdentifier [default: org.lxpack.NAME].")
@click.option("--env", multiple=True, metavar="K=V",
              help="Add K=V to the program's environment. Repeatable.")
@click.option("--host-exec", "host_exec", multiple=True, metavar="PATTERN",
              help="At run time, execve of a path matching this glob runs the host program.")
@click.option("--library-path", default=None, metavar="DIRS",
              help="Search DIRS (':'-separated) as LD_LIBRARY_PATH would; the bundle "
                   "then runs the program with LD_LIBRARY_PATH=DIRS.")
@click.option("--allow-missing", is_flag=True,
              help="Pack even if libraries or symbol versions are missing.")
@click.option("--macos/--no-macos", "macos", default=None,
              help="Carry unicorn's macOS libraries (from PyPI, cached) so the bundle runs on a Mac "
                   "too [default: yes for .app, no for the other formats].")
@click.option("--mac-arch", "mac_arch", type=click.Choice(["arm64", "x86_64", "both"]), default=None,
              help="Which Macs the bundle is for: arm64 (Apple silicon), x86_64 (Intel) or both "
                   "[default: both]. Implies --macos. The packing host's own library is always kept.")
@click.option("--python-dist", "python_dists", multiple=True, metavar="PATH",
              help="A python-build-standalone install_only build for macOS (tarball or unpacked "
                   "directory) to embed, stripped and signed, instead of downloading the pinned one. "
                   "One per Mac architecture; repeatable.")
@click.option("--embed-python/--no-embed-python", "embed_python", default=None,
              help="Embed a CPython for each Mac architecture (signed with the hypervisor "
                   "entitlement) [default: when the bundle is for Macs; if none can be had, a warning "
                   "and the bundle uses the Mac's python3]. --embed-python makes that an error.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary line.")
@_beyond_closure_options
def pack(binary, output, fmt, includes, profiles, excludes, name, bundle_id, env, host_exec,
         library_path, allow_missing, macos, mac_arch, python_dists, embed_python, force, quiet, **beyond):
    """Pack the Linux x86-64 program BINARY, its shared libraries and the
    lxpack runtime into OUT, a bundle that runs it on macOS or Linux.

    \b
      lxpack ./tool -o Tool.app                  macOS app bundle
      lxpack ./tool -o tool.run                  one self-running file
      lxpack ./tool -o Tool.app --include /usr/lib/x86_64-linux-gnu/gconv
      lxpack ./tool -o Tool.app --profile tool.prof   (from `lxpack trace`)
    """
    from lxpack.packager.pack import PackOptions, pack as do_pack
    from lxpack.packager.progress import Progress

    opts = PackOptions(program=binary, output=output, format=fmt, includes=list(includes),
                       excludes=list(excludes), name=name, bundle_id=bundle_id, env=list(env),
                       force=force, allow_missing=allow_missing, host_exec=list(host_exec),
                       library_path=library_path, macos=macos, mac_arch=mac_arch, profiles=list(profiles),
                       python_dists=list(python_dists), embed_python=embed_python,
                       additions=_additions(**beyond))

    def work():
        with Progress.for_terminal(quiet) as progress:
            return do_pack(opts, progress)

    result = _run_guarded(work)
    for w in result.warnings:
        click.echo("lxpack: warning: %s" % w, err=True)
    if not quiet:
        from lxpack.packager import report
        for line in report.extras_summary(result.extras):
            click.echo("lxpack: added %s" % line, err=True)
        nfiles = sum(1 for e in result.manifest.closure if e.symlink_target is None)
        pythons = ", CPython %s for %s" % (result.pythons[0].version, " and ".join(
            p.arch for p in result.pythons)) if result.pythons else ""
        click.echo("lxpack: packed %s -> %s (%s, %d files%s%s)"
                   % (result.manifest.argv0, result.output, result.format, nfiles,
                      ", %d from profiles" % result.profile_added if profiles else "", pythons), err=True)


@click.command(epilog="Exit status: 0 closure complete; 2 usage (no such BINARY); "
                      "3 not packable, or libraries or symbol versions missing.")
@click.argument("binary")
@click.option("--json", "as_json", is_flag=True, help="Print the closure as JSON.")
@click.option("--library-path", default=None, metavar="DIRS",
              help="Search DIRS (':'-separated) as LD_LIBRARY_PATH would.")
@click.option("--include", "includes", multiple=True, metavar="PATH",
              help="Also resolve the ELF files in PATH (as dlopen'd by BINARY).")
@click.option("--profile", "profiles", multiple=True, metavar="PROFILE",
              help="Also show what PROFILE (from `lxpack trace`) adds to a bundle, and the paths "
                   "the program looked for and did not find. Repeatable.")
@_beyond_closure_options
def inspect(binary, as_json, library_path, includes, profiles, **beyond):
    """Show the shared-library closure of BINARY as ld.so would load it: a
    tree like lddtree, each library with the path it resolved to and why
    (RPATH, RUNPATH, LD_LIBRARY_PATH, ld.so.cache, system dir), missing
    libraries and unsatisfied symbol versions flagged; then what is packed
    beyond the closure (by knowledge of the program, of what it links, and
    --with-package...), grouped by rule, each with its reason."""
    from lxpack.errors import PackError
    from lxpack.packager import elfhead, extras, report
    from lxpack.packager.pack import discover_extras

    picked = prof = None

    def work():
        nonlocal picked, prof
        cwd = os.getcwd()
        elfhead.check_input(os.path.join(cwd, binary))
        if profiles:
            from lxpack.packager import profile, profile_pick
            prof = profile.load_all(list(profiles))
            picked = profile_pick.pick(prof)
        return discover_extras(binary, list(includes), _additions(**beyond), library_path, cwd, None, picked)

    found = _run_guarded(work)
    closure = found.closure
    if picked is not None:
        from lxpack.packager import report_profile
        click.echo(report_profile.as_json(closure, prof, picked) if as_json
                   else report.text(closure) + report.extras_text(found.extras)
                   + report_profile.text(closure, prof, picked), nl=False)
    elif as_json:
        click.echo(report.as_json(closure, found.extras), nl=False)
    else:
        click.echo(report.text(closure) + report.extras_text(found.extras), nl=False)
    soft = extras.soft_missing(closure)
    if any(m.name not in soft for m in closure.missing) or closure.unsatisfied:
        raise PackError("closure of %s is incomplete: %d missing librar%s, %d unsatisfied version%s"
                        % (closure.program.path, len(closure.missing),
                           "y" if len(closure.missing) == 1 else "ies", len(closure.unsatisfied),
                           "" if len(closure.unsatisfied) == 1 else "s"))


@click.command("inspect-bundle", epilog="Exit status: 0 every signature holds; 2 no such BUNDLE; "
                                        "3 not a bundle, or a problem listed (invalid signature, unsigned "
                                        "arm64 code, an interpreter without the hypervisor entitlement, "
                                        "an Info.plist Finder would refuse).")
@click.argument("bundle")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def inspect_bundle(bundle, as_json):
    """Show what a written bundle (X.app, a dir bundle or a one-file bundle)
    holds for a Mac: its Info.plist, every Mach-O file with its architecture,
    its code signature (ad hoc, identifier, entitlements) and whether the
    page hashes hold; the embedded interpreters must carry
    com.apple.security.hypervisor."""
    import json
    from lxpack.errors import PackError
    from lxpack.packager import bundle_check
    report = _run_guarded(lambda: bundle_check.inspect(bundle))
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, sort_keys=True))
    else:
        click.echo(report.text(), nl=False)
    if report.problems:
        raise PackError("%s: %d problem%s: %s" % (bundle, len(report.problems),
                                                  "" if len(report.problems) == 1 else "s", report.problems[0]))
