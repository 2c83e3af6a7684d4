import io

import pytest
from docx import Document

from planners.exports import docxdoc
from planners.core.errors import NoCJKFont
from planners.exports.fonts import find_cjk_font
from planners.exports.pdfdoc import OfficePDF
from planners.exports.tables import to_csv
from tests.helpers import pdf_text


def test_pdf_frame_renders_chinese_text_tables_and_page_numbers():
    pdf = OfficePDF(title="季度分析会 保密方案", marking="机密★10年", lang="zh_CN")
    pdf.add_page()
    pdf.title_block("季度分析会 保密方案", "市商务局")
    pdf.table(["阶段", "任务"], [["会前", "确定密级"], ["会后", "清点收回文件"]], [30, 140])
    text = pdf_text(pdf.output_bytes())
    assert "季度分析会" in text and "机密★10年" in text and "清点收回文件" in text and "第1页/共1页" in text.replace(" ", "")


def test_missing_font_says_how_to_install_one(monkeypatch):
    monkeypatch.setenv("CONCLAVE_CJK_FONT", "/nonexistent/font.ttc")
    with pytest.raises(NoCJKFont, match="CONCLAVE_CJK_FONT"):
        find_cjk_font()


def test_docx_frame_sets_the_east_asian_font_and_reads_back():
    doc = docxdoc.office_docx("季度分析会", marking="机密★10年")
    docxdoc.add_table(doc, ["阶段", "任务"], [["会前", "确定密级"]])
    back = Document(io.BytesIO(docxdoc.to_bytes(doc)))
    assert back.paragraphs[0].text == "季度分析会"
    assert back.tables[0].cell(1, 1).text == "确定密级"
    assert 'w:eastAsia="仿宋"' in back.styles["Normal"].element.xml  # GB/T 9704 (issue 16)


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx"])
def test_csv_neutralises_formula_cells(cell):
    out = to_csv([{"a": cell}]).decode("utf-8-sig")
    assert out.splitlines()[1] == "'" + cell if cell[0] != "\t" else out.splitlines()[1].startswith("'")


def test_docx_is_a4_with_the_gbt_9704_fonts_and_names_their_fallbacks():
    """Issue 16, item 4: A4 and its GB/T 9704 margins, 小标宋 title, 仿宋 body, the fallbacks named."""
    doc = docxdoc.office_docx("季度分析会", marking="机密★10年")
    docxdoc.add_table(doc, ["阶段", "任务"], [["会前", "确定密级"]])
    back = Document(io.BytesIO(docxdoc.to_bytes(doc)))
    sec = back.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert (round(sec.top_margin.mm), round(sec.bottom_margin.mm), round(sec.left_margin.mm),
            round(sec.right_margin.mm)) == (37, 35, 28, 26)

    def east_asia(style):
        from docx.oxml.ns import qn
        return back.styles[style].element.rPr.rFonts.get(qn("w:eastAsia"))

    assert east_asia("Title") == "方正小标宋简体" and back.styles["Title"].font.size.pt == 22
    assert east_asia("Normal") == "仿宋" and back.styles["Normal"].font.size.pt == 16
    assert east_asia("Heading 1") == "黑体" and east_asia("Heading 2") == "楷体"
    font_table = next(p for p in back.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob
    text = font_table.decode("utf-8")
    assert 'w:name="方正小标宋简体"' in text and 'w:altName w:val="宋体"' in text
    assert "方正小标宋简体 (fallback 宋体)" in back.core_properties.comments
    assert back.tables[0].cell(1, 1).paragraphs[0].runs[0].font.size.pt == 12


def test_a_cut_face_keeps_the_full_faces_glyphs_and_widths_and_is_reused_while_it_covers():
    """Issue 17: the badge sheet embeds a face cut once per process; what it draws must look the same."""
    from fontTools import ttLib

    from planners.exports import fonts

    f = find_cjk_font()
    fonts.forget_cuts()
    text = "王明李䶮市财政局 Attendee 0123（机密）"
    cut = fonts.cut_font(f.regular, f.collection_index, set(text))
    assert fonts.cut_font(f.regular, f.collection_index, set("王明")) == cut  # covered: no new cut
    full = ttLib.TTFont(str(f.regular), fontNumber=f.collection_index, lazy=True)
    small = ttLib.TTFont(str(cut), lazy=True)
    fcmap, scmap = full.getBestCmap(), small.getBestCmap()
    for ch in set(text):
        assert ord(ch) in scmap, ch
        assert small["hmtx"][scmap[ord(ch)]] == full["hmtx"][fcmap[ord(ch)]], ch
    assert small["name"].getBestFullName() == full["name"].getBestFullName()
    other = fonts.cut_font(f.regular, f.collection_index, set("龑"))  # another document's characters: its own cut
    assert other != cut and other.is_file() and cut.is_file()
    assert ord("王") not in ttLib.TTFont(str(other), lazy=True).getBestCmap()  # cut to what it draws, not all so far
    assert fonts.cut_font(f.regular, f.collection_index, set(text)) == cut  # both kept: no cut again
    assert fonts.cut_font(f.regular, f.collection_index, set("龑")) == other


def test_a_qr_code_drawn_as_vector_modules_decodes_from_the_rendered_page():
    import shutil
    import subprocess

    import zxingcpp
    from PIL import Image

    pdf = OfficePDF(title="x", lang="en", chars="")
    pdf.add_page()
    pdf.qr("CV1.TEST-CODE-0042", 20, 20, 34)
    exe = shutil.which("pdftoppm")
    assert exe
    png = subprocess.run([exe, "-r", "150", "-gray", "-png", "-"], input=pdf.output_bytes(),
                         capture_output=True, check=True).stdout
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == ["CV1.TEST-CODE-0042"]
