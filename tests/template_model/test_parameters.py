"""Parameter values: Defaults under given values, checked as CloudFormation checks them."""

from __future__ import annotations

from typing import Any

import pytest

from template_model import ParameterError, parameter_values, parse_template

TEMPLATE = parse_template(
    """
Parameters:
  Name:
    Type: String
    AllowedPattern: ^[a-z]+$
    ConstraintDescription: lower-case letters
  Size:
    Type: Number
    Default: 10
    MinValue: 5
    MaxValue: 20
  Mode:
    Type: String
    Default: fast
    AllowedValues: [fast, safe]
  Paths:
    Type: CommaDelimitedList
    Default: /a/*, /b/*
    AllowedPattern: ^/[a-z]+/\\*$
  Code:
    Type: String
    Default: abc
    MinLength: 2
    MaxLength: 4
  Secret:
    Type: String
    NoEcho: true
    Default: hunter2
    AllowedPattern: ^[a-z0-9]+$
Resources:
  R: {Type: X}
"""
)


def _problems(**given: Any) -> list[str]:
    with pytest.raises(ParameterError) as caught:
        parameter_values(TEMPLATE, {"Name": "ok", **given})
    return caught.value.problems


def test_defaults_under_given_values_typed() -> None:
    values = parameter_values(TEMPLATE, {"Name": "abc", "Size": 7})
    assert values == {
        "Name": "abc",
        "Size": "7",
        "Mode": "fast",
        "Paths": ["/a/*", "/b/*"],  # each member space-trimmed
        "Code": "abc",
        "Secret": "hunter2",
    }
    assert parameter_values(TEMPLATE, {"Name": "a", "Paths": ["/c/*"]})["Paths"] == ["/c/*"]


def test_every_problem_is_listed_at_once() -> None:
    problems = _problems(Name="UPPER", Size="30", Mode="slow", Paths="/a/*,bad", Code="x")
    assert problems == [
        "Name 'UPPER' does not match AllowedPattern ^[a-z]+$ (expected lower-case letters)",
        "Size '30' is above MaxValue 20",
        "Mode 'slow' is not one of fast, safe",
        "Paths 'bad' does not match AllowedPattern ^/[a-z]+/\\*$",
        "Code 'x' is shorter than MinLength 2",
    ]


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"Size": "4"}, "Size '4' is below MinValue 5"),
        ({"Size": "ten"}, "Size 'ten' is not a number"),
        ({"Code": "abcde"}, "Code 'abcde' is longer than MaxLength 4"),
        ({"Nmae": "x"}, "Nmae is not a parameter of the template"),
    ],
)
def test_each_constraint(given: dict[str, str], problem: str) -> None:
    assert problem in _problems(**given)


def test_a_parameter_without_default_needs_a_value() -> None:
    with pytest.raises(ParameterError, match="Name has no Default: give it a value"):
        parameter_values(TEMPLATE)


def test_no_echo_values_never_appear_in_messages() -> None:
    (problem,) = _problems(Secret="S3CRET!")
    assert "S3CRET" not in problem
    assert problem.startswith("Secret (NoEcho value) does not match")


def test_unchecked_parameters_are_named_and_only_they_skip_checks() -> None:
    values = parameter_values(TEMPLATE, {"Name": "http://x", "Mode": "fast"}, unchecked=["Name"])
    assert values["Name"] == "http://x"
    with pytest.raises(ParameterError, match="Mode 'slow' is not one of"):
        parameter_values(TEMPLATE, {"Name": "http://x", "Mode": "slow"}, unchecked=["Name"])
    with pytest.raises(ParameterError, match="Nmae is not a parameter"):
        parameter_values(TEMPLATE, {"Name": "ok"}, unchecked=["Nmae"])
