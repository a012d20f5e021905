"""Hugging Face ``config.json`` in and out: :func:`archcmp.hf.importer.import_file`
and :func:`archcmp.hf.exporter.export_spec`. Per-family knowledge lives in
:mod:`archcmp.hf.families`; nothing here imports transformers or torch."""
