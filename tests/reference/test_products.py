from __future__ import annotations

import pytest

from tradeflux.reference import products


def test_new_three_codes_in_each_revision():
    basket = products.basket("new-three")
    assert basket.codes("HS2022") == ("870360", "870370", "870380", "850760", "854142", "854143")
    assert basket.codes("HS2017") == ("870360", "870370", "870380", "850760", "854140")


def test_basket_part_lookup_across_revisions():
    basket = products.basket("new-three")
    assert basket.part_of("8541430010", "HS2022") == "photovoltaic cells and modules"
    assert basket.part_of("854141", "HS2022") is None  # LEDs are not solar
    assert basket.part_of("854140", "HS2017") == "photovoltaic cells and modules"
    assert basket.part_of("850760", "HS2017") == "lithium-ion batteries"


def test_solar_cells_split_between_hs2017_and_hs2022(data_dir):
    products.load(data_dir)
    assert products.hs2017_to_hs2022("854140") == ("854141", "854142", "854143", "854149")
    assert products.hs2022_to_hs2017("854142") == ("854140",)
    assert products.hs2017_to_hs2022("850760") == ("850760",)


def test_nomenclature_descriptions(data_dir):
    nom = products.load(data_dir)
    assert nom.describe("850760").startswith("Electric accumulators; lithium-ion")
    assert "854140" in nom.hs2017 and "854142" not in nom.hs2017


def test_unknown_basket_and_revision():
    with pytest.raises(KeyError, match="unknown basket 'old-three'; known baskets: new-three"):
        products.basket("old-three")
    with pytest.raises(KeyError, match="unknown HS revision 'HS2030'"):
        products.basket("new-three").codes("HS2030")
