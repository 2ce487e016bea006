"""The registry as a product: module releases recorded in the tree (`mlops release`), their
archives (`mlops package`), and a new use-case repository consuming them (`mlops new-use-case`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipelines_src.commands import UsageError

DEFAULT_CONSTRAINT = "~> 1.0"  # the modules' current major line


def cmd_release(args: argparse.Namespace) -> int:
    from pipelines_src.registry import release

    try:
        repo = release.repository(Path.cwd())
        print(f"release: {release.release(repo, args.module, args.bump, tag=args.tag)}")
    except release.ReleaseError as exc:
        raise UsageError(f"release: {exc}") from exc
    return 0


def cmd_package(args: argparse.Namespace) -> int:
    from pipelines_src.registry import package, release

    try:
        repo = release.repository(Path.cwd())
        made = (package.package_working_tree if args.working_tree else package.package_releases)(repo, args.out)
    except release.ReleaseError as exc:
        raise UsageError(f"package: {exc}") from exc
    for archive in made:
        print(f"package: {archive.relative_to(args.out)} sha256 {package.checksum(archive)}")
    if not made:
        raise UsageError("package: nothing to package: modules/releases.json records no release (mlops release ...)")
    return 0


def cmd_new_use_case(args: argparse.Namespace) -> int:
    from pipelines_src import scaffold

    target = args.out or Path(args.name)
    try:
        made = scaffold.new_use_case(
            args.name, target, args.registry, namespace=args.namespace, constraint=args.version
        )
    except scaffold.ScaffoldError as exc:
        raise UsageError(f"new-use-case: {exc}") from exc
    print(f"wrote {len(made)} files under {target}: see its README.md")
    return 0


def register(sub: Any) -> None:
    from pipelines_src.local import terraform as tf

    rel = sub.add_parser("release", help="release a module: version line, CHANGELOG, modules/releases.json, one commit")
    rel.add_argument("module")
    rel.add_argument("bump", help="major, minor, patch, or none (release the version written in versions.tf)")
    rel.add_argument(
        "--tag", action="store_true", help="also write a <module>/v<version> tag (for humans; never needed)"
    )
    rel.set_defaults(func=cmd_release)

    pkg = sub.add_parser("package", help="archive + SHA-256 of every released module version (registry layout)")
    pkg.add_argument("--out", type=Path, default=Path("dist/modules"))
    pkg.add_argument(
        "--working-tree", action="store_true", help="the modules as they are now, at their written versions"
    )
    pkg.set_defaults(func=cmd_package)

    new = sub.add_parser("new-use-case", help="write a use-case repository consuming the registry's modules by version")
    new.add_argument("name", help="3-20 lowercase letters, digits, hyphens")
    new.add_argument("--out", type=Path, help="target folder (default ./<name>); must be new or empty")
    new.add_argument("--registry", default=tf.LOCAL_REGISTRY_HOST, help="host of the module registry in the sources")
    new.add_argument("--namespace", default="mlops")
    new.add_argument("--version", default=DEFAULT_CONSTRAINT, help="version constraint of the modules")
    new.set_defaults(func=cmd_new_use_case)
