from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from community import services
from community.models import Level, Organisation, Ownership, Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Country {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    level = Level.COUNTRY


class DistrictFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"District {n}")
    level = Level.DISTRICT
    parent = factory.SubFactory(OrganisationFactory)


class FacilityFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Facility {n}")
    level = Level.FACILITY
    ownership = Ownership.PUBLIC
    parent = factory.SubFactory(DistrictFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # An ordinary member, not a brand-new one (new members' flags weigh less).
    date_joined = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            obj.save()
        if create and obj.email:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


def member(role: Role | str, organisation: Organisation, **user_kwargs):
    """A user holding ``role`` at ``organisation`` (through the service)."""
    user = UserFactory(**user_kwargs)
    services.membership_create(user=user, organisation=organisation, role=role)
    return user


def phone_member(role: Role | str, organisation: Organisation, number: str):
    """A member who joined with a phone number alone (verified), no email address."""
    from community.models import PhoneNumber

    user = member(role, organisation, email="")
    PhoneNumber.objects.create(user=user, number=number, verified=True)
    return user


def seed_foundation() -> dict:
    """The base's demo data (Lumeria, a user per role) and the page tree.

    What ``seed_demo`` makes before any plugin adds its part; pages with a budget or
    an accessibility check are measured over it.
    """
    from community import demo as community_demo
    from home import demo as home_demo

    context: dict = {}
    community_demo.seed(context)
    home_demo.seed(context)
    return context
