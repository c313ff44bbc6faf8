"""Tests for place and asset code structure."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.core.codes import (
    AssetCode,
    CodeError,
    GridCode,
    Level,
    check_asset_category,
    normalize_category_code,
    parent_code,
    parse_asset_code,
    parse_grid_code,
    validate_code,
)


class TestValidateCode:
    @pytest.mark.parametrize(
        ("level", "code"),
        [
            ("district", "130302"),
            ("district", "110000"),
            ("district", "820000"),
            ("street", "130302003"),
            ("community", "130302003002"),
            ("grid", "130302003002012"),
            ("grid", "13030200300201"),
            (Level.GRID, "320582110152102"),
        ],
    )
    def test_accepts_valid_codes(self, level, code):
        assert validate_code(level, code) == code

    def test_normalizes_spaces_and_full_width_digits(self):
        assert validate_code("street", " 130302 003 ") == "130302003"
        assert validate_code("district", "１３０３０２") == "130302"

    @pytest.mark.parametrize(
        ("level", "code", "message"),
        [
            ("district", "", "empty"),
            ("district", "13030", "has 5 digits; expected 6"),
            ("district", "13030a", "only digits"),
            ("district", "100302", "province part 10"),
            ("district", "830302", "province part 83"),
            ("street", "1303020031", "expected 9"),
            ("street", "130302000", "street part 000"),
            ("community", "130302003000", "community part 000"),
            ("grid", "1303020030021", "expected 15 or 14"),
            ("grid", "130302003002000", "sequence part 000"),
            ("grid", "13030200300200", "sequence part 00"),
            ("grid", "１３０３０２００３００２０１２x", "only digits"),
        ],
    )
    def test_rejects_bad_codes(self, level, code, message):
        with pytest.raises(CodeError, match=message):
            validate_code(level, code)

    def test_rejects_unknown_level(self):
        with pytest.raises(CodeError, match="unknown level 'city'"):
            validate_code("city", "130302")

    def test_rejects_non_text(self):
        with pytest.raises(CodeError, match="must be text"):
            validate_code("district", 130302)

    def test_parent_match(self):
        assert validate_code("street", "130302003", parent_code="130302") == "130302003"
        assert validate_code("community", "130302003002", "130302003") == "130302003002"
        assert validate_code("grid", "130302003002012", "130302003002") == "130302003002012"
        assert validate_code("grid", "13030200300201", "130302003002") == "13030200300201"

    def test_parent_mismatch_names_both_codes(self):
        with pytest.raises(CodeError) as caught:
            validate_code("community", "130302001002", parent_code="130302003")
        assert str(caught.value) == (
            "community code 130302001002 does not start with its street's code 130302003"
        )

    def test_parent_of_wrong_level_is_rejected(self):
        with pytest.raises(CodeError, match="street code 130302 has 6 digits"):
            validate_code("community", "130302003002", parent_code="130302")

    def test_district_has_no_parent(self):
        with pytest.raises(CodeError, match="no parent"):
            validate_code("district", "130302", parent_code="130000")
        with pytest.raises(CodeError, match="no parent"):
            parent_code("district", "130302")

    def test_is_a_value_error(self):
        assert issubclass(CodeError, ValueError)


class TestParentCode:
    @pytest.mark.parametrize(
        ("level", "code", "parent"),
        [
            ("street", "130302003", "130302"),
            ("community", "130302003002", "130302003"),
            ("grid", "130302003002012", "130302003002"),
            ("grid", "13030200300201", "130302003002"),
        ],
    )
    def test_parent(self, level, code, parent):
        assert parent_code(level, code) == parent

    def test_checks_the_child(self):
        with pytest.raises(CodeError, match="expected 12"):
            parent_code("community", "13030200300")


class TestGridCode:
    def test_gbt30428_form(self):
        grid = parse_grid_code("320582110152102")
        assert grid == GridCode("320582", "320582110", "320582110152", "102", "gbt30428")
        assert grid.code == str(grid) == "320582110152102"

    def test_cjt213_form(self):
        grid = parse_grid_code(" 13030200300201 ")
        assert grid == GridCode("130302", "130302003", "130302003002", "01", "cjt213")

    def test_rejects_sixteen_digits(self):
        # smart_cityguard's local 16-digit grid codes are not a standard form.
        with pytest.raises(CodeError, match="has 16 digits"):
            parse_grid_code("1303020030020123")


class TestAssetCode:
    def test_cjt214_form(self):
        asset = parse_asset_code("3205080101000001")
        assert asset == AssetCode("320508", "01", "01", "000001", "cjt214")
        assert asset.category_code == "01001"
        assert asset.code == str(asset) == "3205080101000001"

    def test_gbt47678_form(self):
        asset = parse_asset_code("32058201037048188")
        assert asset == AssetCode("320582", "01", "037", "048188", "gbt47678")
        assert asset.category_code == "01037"

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("320508010100000", "has 15 digits; expected 16 or 17"),
            ("320508010100000012", "has 18 digits"),
            ("32050801010000O1", "only digits"),
            ("0005080101000001", "province part 00"),
            ("3205080001000001", "major class part 00"),
            ("3205080100000001", "minor class part 00"),
            ("3205080101000000", "sequence part 000000"),
            ("32050801000000001", "minor class part 000"),
        ],
    )
    def test_rejects_bad_codes(self, code, message):
        with pytest.raises(CodeError, match=message):
            parse_asset_code(code)

    @pytest.mark.parametrize(
        ("code", "category"),
        [
            ("3205080101000001", "01001"),
            ("3205080101000001", "0101"),
            ("32058201037048188", "01037"),
            ("32058201037048188", "０１０３７"),
        ],
    )
    def test_category_matches(self, code, category):
        assert check_asset_category(code, category).code == code.strip()

    def test_category_mismatch(self):
        with pytest.raises(CodeError) as caught:
            check_asset_category("3205820102048188", "01001")
        assert str(caught.value) == "asset code 3205820102048188 carries category 01002, not 01001"

    def test_three_digit_minor_never_matches_a_16_digit_code(self):
        with pytest.raises(CodeError, match="carries category 01010, not 01100"):
            check_asset_category("3205820110048188", "01100")

    @pytest.mark.parametrize("category", ["0100", "00001", "123", "010010", "01a01"])
    def test_bad_category_code(self, category):
        with pytest.raises(CodeError):
            normalize_category_code(category)


# Hypothesis strategies built from the parts, so the round trips cover the whole code space.
def _digits(n, *, nonzero=False):
    strategy = st.text(alphabet="0123456789", min_size=n, max_size=n)
    return strategy.filter(lambda s: set(s) != {"0"}) if nonzero else strategy


divisions = st.builds(
    lambda province, rest: f"{province:02d}{rest}",
    st.integers(min_value=11, max_value=82),
    _digits(4),
)


@given(
    divisions,
    _digits(3, nonzero=True),
    _digits(3, nonzero=True),
    st.one_of(_digits(3, nonzero=True), _digits(2, nonzero=True)),
)
def test_grid_round_trip(district, street, community, sequence):
    code = district + street + community + sequence
    grid = parse_grid_code(code)
    assert grid.code == code
    assert grid.form == ("gbt30428" if len(sequence) == 3 else "cjt213")
    assert validate_code("grid", code, parent_code=grid.community) == code
    assert validate_code("community", grid.community, parent_code=grid.street) == grid.community
    assert validate_code("street", grid.street, parent_code=grid.district) == grid.street
    assert parent_code("grid", code) == grid.community


@given(
    divisions,
    _digits(2, nonzero=True),
    st.one_of(_digits(2, nonzero=True), _digits(3, nonzero=True)),
    _digits(6, nonzero=True),
)
def test_asset_round_trip(division, major, minor, sequence):
    code = division + major + minor + sequence
    asset = parse_asset_code(code)
    assert asset.code == code
    assert (asset.division, asset.major, asset.minor, asset.sequence) == (
        division,
        major,
        minor,
        sequence,
    )
    assert asset.category_code == major + minor.zfill(3)
    assert check_asset_category(code, asset.category_code) == asset
    if len(minor) == 2:
        assert check_asset_category(code, major + minor) == asset


@given(st.text(max_size=20))
def test_validate_never_raises_anything_but_code_error(text):
    for level in Level:
        try:
            result = validate_code(level, text)
        except CodeError:
            continue
        assert result.isascii() and result.isdigit()
