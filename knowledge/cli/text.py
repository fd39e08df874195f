"""``tthc text``: build the Vietnamese text resources derived from the catalog."""

from __future__ import annotations

from pathlib import Path

import typer

from knowledge.cli.common import console

app = typer.Typer(no_args_is_help=True)


@app.command("build-words")
def build_words(
    catalog: Path = typer.Option(None, help="Thư mục JSON danh mục (mặc định: danh mục mặc định)"),
    output: Path = typer.Option(None, help="Tệp kết quả (mặc định: data/vi_words.txt)"),
    min_count: int = typer.Option(2, help="Số lần xuất hiện tối thiểu"),
) -> None:
    """Tạo danh sách từ ghép không dấu từ tên thủ tục, lĩnh vực, từ điển và dữ liệu NLU."""
    from knowledge.catalog.importer import default_catalog_dir
    from knowledge.text.segment import WORDS_FILE
    from knowledge.text.wordlist import write_word_file

    output = output or WORDS_FILE
    count = write_word_file(catalog or default_catalog_dir()[0], output, min_count=min_count)
    console.print(f"{count} từ → {output}")
