"""``manage.py import_scheme FILE``: import a scheme (JSON) or units (JSON, CSV, XLSX).

See docs/import.md for the file shapes and the rules. Examples::

    manage.py import_scheme schemes/data/scheme-junior-web-programmer.json --publish
    manage.py import_scheme units.csv                    # into the unit library
    manage.py import_scheme units.xlsx --version-id 7    # appended to draft version 7
    manage.py import_scheme scheme.json --dry-run        # show the plan, write nothing
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from schemes.importer import (
    ImportFileInvalid,
    ImportIssue,
    ImportPlan,
    ImportResult,
    apply_import,
    parse_file,
    plan_import,
)
from schemes.models import SchemeVersion
from schemes.services import scheme_version_publish


class Command(BaseCommand):
    help = (
        "Import a whole scheme from JSON, or units of competency from CSV, XLSX or JSON into the "
        "unit library or into a draft scheme version. A file with any error imports nothing; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path to a .json, .csv or .xlsx file.")
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--version-id",
            type=int,
            metavar="N",
            help="Put the file's units into draft scheme version N (pk), as a new group.",
        )
        target.add_argument(
            "--library",
            action="store_true",
            help="Import only the units, into the unit library (the default for CSV and XLSX).",
        )
        parser.add_argument(
            "--group-title", default="", help="Title of the group appended with --version-id."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and show the plan; write nothing.",
        )
        parser.add_argument(
            "--publish", action="store_true", help="Publish the resulting draft version afterwards."
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if options["publish"] and options["library"]:
            raise CommandError("--publish needs a scheme version: it cannot go with --library.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            parsed = parse_file(path.name, data)
            plan = plan_import(
                parsed,
                target_version=options["version_id"],
                library_only=options["library"],
                group_title=options["group_title"],
            )
        except ImportFileInvalid as exc:
            raise CommandError(self._failure(path, exc.issues)) from exc
        if plan.mode == "library" and options["publish"]:
            raise CommandError("--publish needs a scheme version: this file only holds units.")

        self._show_plan(plan)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        try:
            with transaction.atomic():
                result = apply_import(plan, actor=None)
                published = self._publish(result) if options["publish"] else None
        except ImportFileInvalid as exc:
            raise CommandError(self._failure(path, exc.issues)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._show_result(path, result, published)

    def _failure(self, path: Path, issues: list[ImportIssue]) -> str:
        lines = [f"{path.name}: {len(issues)} problem(s), nothing was imported:"]
        lines += [f"  - {issue}" for issue in issues]
        return "\n".join(lines)

    def _show_plan(self, plan: ImportPlan) -> None:
        for warning in plan.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
        for change in plan.changes:
            marker = "*" if change.is_change else "="
            self.stdout.write(f"  {marker} {change.message}")

    def _publish(self, result: ImportResult) -> SchemeVersion | None:
        version = SchemeVersion.objects.get(pk=result.version_id)
        if version.status != SchemeVersion.Status.DRAFT:
            return None
        return scheme_version_publish(version_id=version.pk, actor=None)

    def _show_result(
        self, path: Path, result: ImportResult, published: SchemeVersion | None
    ) -> None:
        if result.changed:
            self.stdout.write(self.style.SUCCESS(f"{path.name}: imported."))
        else:
            self.stdout.write(self.style.SUCCESS(f"{path.name}: no change, already imported."))
        if result.version_id is not None:
            version = SchemeVersion.objects.select_related("scheme").get(pk=result.version_id)
            self.stdout.write(
                f"Scheme {version.scheme.number} version {version.version} "
                f"({version.get_status_display()}), id {version.pk}."
            )
        if published is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Published version {published.version} of {published.scheme.number}."
                )
            )
