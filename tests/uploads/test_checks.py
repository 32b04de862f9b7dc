import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def test_the_portal_does_not_start_without_the_official_schemas(settings, tmp_path):
    settings.OBDS_SCHEMA_DIR = tmp_path
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    assert f"OBDS_SCHEMA_DIR ({tmp_path}) holds no oBDS_v3.0.4.xsd." in str(refused.value)
    assert "holds no ADT_GEKID_v2.2.3.xsd." in str(refused.value)


def test_missing_code_lists_are_named_at_startup_but_do_not_stop_it(settings, tmp_path, capsys):
    settings.OBDS_CODES_DIR = tmp_path
    call_command("check")
    assert "ICD-10 and ICD-O-3 codes will not be checked" in capsys.readouterr().err


def test_with_the_reference_data_in_place_the_check_is_silent(capsys):
    call_command("check")
    assert "OBDS_" not in capsys.readouterr().err
