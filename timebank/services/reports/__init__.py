"""Activity reports for funders and boards (DESIGN.md §6, promise 14: their totals equal the
ledger's): the tables (``tables``), their PDF, XLSX, CSV and JSON forms (``pdf``,
``writers``), the file a user downloads (``files``) and the streamed CSV exports
(``exports``)."""
