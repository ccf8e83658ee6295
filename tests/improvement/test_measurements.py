"""Entering a month of data: validation, clear messages, nothing lost on error."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from improvement import services
from improvement.forms import MeasurementForm
from improvement.models import Measurement, current_month


def next_month() -> datetime.date:
    return (current_month() + datetime.timedelta(days=32)).replace(day=1)


def form(indicator, **data):
    values = {
        "indicator": indicator.pk,
        "period": current_month().strftime("%Y-%m"),
        "numerator": 30,
        "denominator": 40,
    }
    values.update(data)
    return MeasurementForm(data=values)


def test_valid_month_passes(uterotonic):
    assert form(uterotonic).is_valid()


def test_numerator_above_denominator_is_refused_with_both_numbers(uterotonic):
    bound = form(uterotonic, numerator=41, denominator=40)
    assert not bound.is_valid()
    message = bound.errors["denominator"][0]
    assert "40" in message and "41" in message


def test_negative_numbers_are_refused(uterotonic):
    bound = form(uterotonic, numerator=-1, denominator=-2)
    assert not bound.is_valid()
    assert bound.errors["numerator"] == ["The numerator cannot be negative."]
    assert bound.errors["denominator"] == ["The denominator cannot be negative."]


def test_zero_over_zero_is_accepted_as_a_month_without_cases(uterotonic):
    assert form(uterotonic, numerator=0, denominator=0).is_valid()
    assert uterotonic.value_of(0, 0) is None


def test_future_month_is_refused(uterotonic):
    bound = form(uterotonic, period=next_month().strftime("%Y-%m"))
    assert not bound.is_valid()
    assert "has not happened yet" in bound.errors["period"][0]


def test_this_month_is_accepted(uterotonic):
    assert form(uterotonic, period=current_month().strftime("%Y-%m")).is_valid()


@pytest.mark.parametrize("text", ["2025-13", "March", "", "25-03"])
def test_a_month_that_cannot_be_read_says_how_to_write_it(uterotonic, text):
    bound = form(uterotonic, period=text)
    assert not bound.is_valid()
    assert bound.errors["period"]


def test_service_refuses_what_the_form_refuses(world, qi_member, uterotonic):
    with pytest.raises(ValidationError) as error:
        services.measurement_record(
            facility=world.facility,
            indicator=uterotonic,
            period=next_month(),
            numerator=5,
            denominator=4,
            by=qi_member,
        )
    assert set(error.value.message_dict) == {"period", "denominator"}
    assert not Measurement.objects.exists()


def test_service_checks_who_enters(world, district_lead, uterotonic):
    with pytest.raises(PermissionDenied):
        services.measurement_record(
            facility=world.facility,
            indicator=uterotonic,
            period=current_month(),
            numerator=1,
            denominator=2,
            by=district_lead,
        )


def test_recording_a_month_again_asks_before_replacing(world, qi_member, uterotonic):
    month = current_month()
    values = {"facility": world.facility, "indicator": uterotonic, "period": month}
    first, created = services.measurement_record(
        **values, numerator=10, denominator=20, by=qi_member
    )
    with pytest.raises(services.MeasurementExists) as exists:
        services.measurement_record(
            **values, numerator=12, denominator=20, by=qi_member
        )
    assert exists.value.measurement.pk == first.pk
    assert Measurement.objects.get().numerator == 10  # nothing changed
    second, created_again = services.measurement_record(
        **values,
        numerator=12,
        denominator=20,
        by=qi_member,
        replaces=services.measurement_version(first),
    )
    assert created and not created_again and first.pk == second.pk
    assert Measurement.objects.get().numerator == 12


def test_entry_page_keeps_every_value_after_an_error(
    client, world, qi_member, uterotonic
):
    client.force_login(qi_member)
    url = reverse("improvement:measurement_entry", args=[world.facility.slug])
    response = client.post(
        url,
        {
            "indicator": uterotonic.pk,
            "period": current_month().strftime("%Y-%m"),
            "numerator": "57",
            "denominator": "45",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "must be at least the numerator" in html
    assert 'value="57"' in html and 'value="45"' in html
    assert f'value="{current_month():%Y-%m}"' in html
    assert f'<option value="{uterotonic.pk}" selected>' in html
    assert not Measurement.objects.exists()


def test_entry_page_saves_and_shows_the_chart(client, world, qi_member, uterotonic):
    client.force_login(qi_member)
    url = reverse("improvement:measurement_entry", args=[world.facility.slug])
    response = client.post(
        url,
        {
            "indicator": uterotonic.pk,
            "period": current_month().strftime("%Y-%m"),
            "numerator": "30",
            "denominator": "40",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "improvement:chart", args=[world.facility.slug, uterotonic.code]
    )
    assert "Saved" in response.content.decode()
    measurement = Measurement.objects.get()
    assert (measurement.numerator, measurement.entered_by) == (30, qi_member)


def test_retired_indicator_is_not_offered(uterotonic):
    uterotonic.active = False
    uterotonic.save()
    assert not form(uterotonic).is_valid()
