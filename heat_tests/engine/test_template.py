"""Tests for heat.engine.template: sections, resources, outputs and the static analysis."""

import pytest

from heat.common.exception import TemplateError
from heat.engine.template import Template


def findings(text):
    template = Template.parse(text)
    analysis = template.analyse()
    return [(f.code, str(f)) for f in template.locate(analysis.findings)]


def analysis_of(text):
    template = Template.parse(text)
    analysis = template.analyse()
    assert template.locate(analysis.findings) == []
    return analysis


NONE = "Resources:\n  R: {Type: OS::Heat::None}\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("AWSTemplateFormatVersion: 2010-09-09\n" + NONE, []),
        (
            '{"AWSTemplateFormatVersion": "2010-09-09",'
            ' "Resources": {"R": {"Type": "OS::Heat::None"}}}',
            [],
        ),
        ("HeatTemplateFormatVersion: 2012-12-12\n" + NONE, []),
        ("HeatTemplateFormatVersion: '2012-12-12'\nDescription: d\nMetadata: {a: 1}\n" + NONE, []),
        (
            "AWSTemplateFormatVersion: 2010-09-10\n" + NONE,
            [
                (
                    "invalid-version",
                    "AWSTemplateFormatVersion: AWSTemplateFormatVersion must be 2010-09-09, not "
                    '"2010-09-10" (line 1:1)',
                )
            ],
        ),
        (
            "HeatTemplateFormatVersion: 2013-05-23\n" + NONE,
            [
                (
                    "invalid-version",
                    "HeatTemplateFormatVersion: HeatTemplateFormatVersion must be 2012-12-12, not "
                    '"2013-05-23" (line 1:1)',
                )
            ],
        ),
        (
            NONE + "Output:\n  X: {Value: 1}\n",
            [("unknown-section", 'Output: unknown template section "Output" (line 3:1)')],
        ),
        (
            "Transform: AWS::Serverless-2016-10-31\n" + NONE,
            [
                (
                    "unsupported-transform",
                    "Transform: Transform (macros) is not supported (line 1:1)",
                )
            ],
        ),
        (
            "Description: [a]\n" + NONE,
            [("invalid-description", "Description: Description must be a string (line 1:1)")],
        ),
        (
            "Description: no resources\n",
            [("missing-section", "Resources: the template has no Resources section (line 1:1)")],
        ),
        (
            "Resources: [a]\n",
            [("invalid-section", "Resources: Resources must be a mapping (line 1:1)")],
        ),
        (
            "heat_template_version: 2015-10-15\nresources: {}\n",
            [
                ("missing-section", "Resources: the template has no Resources section (line 1:1)"),
                (
                    "unsupported-template-format",
                    "heat_template_version: HOT templates (heat_template_version) are not"
                    " supported; use CFN format (line 1:1)",
                ),
                ("unknown-section", 'resources: unknown template section "resources" (line 2:1)'),
            ],
        ),
        (
            "Mappings:\n  M: {a: {b: 1}, c: 5}\n" + NONE,
            [
                (
                    "invalid-mapping",
                    "Mappings.M: a mapping must map keys to mappings of values (line 2:3)",
                )
            ],
        ),
    ],
)
def test_sections(text, expected):
    assert findings(text) == expected


RESOURCES = """\
Conditions:
  C: !Equals [a, b]
Resources:
  A:
    Type: OS::Heat::None
    DependsOn: B
    Condition: C
    DeletionPolicy: Retain
    UpdateReplacePolicy: Snapshot
    Metadata: {ref: !Ref C1}
    Description: the A
  B: {Type: OS::Heat::None, DependsOn: [C1, C2]}
  C1: {Type: OS::Heat::None}
  C2: {Type: OS::Heat::TestResource, Properties: {value: !GetAtt C1.x}}
"""


def test_resource_definitions():
    analysis = analysis_of(RESOURCES.replace("!GetAtt C1.x", "!Sub '${C1}'"))
    a = analysis.resources["A"]
    assert (a.type, a.depends_on, a.condition, a.deletion_policy, a.update_replace_policy) == (
        "OS::Heat::None",
        ("B",),
        "C",
        "Retain",
        "Snapshot",
    )
    assert a.description == "the A"
    assert {name: sorted(d.requires) for name, d in analysis.resources.items()} == {
        "A": ["B", "C1"],
        "B": ["C1", "C2"],
        "C1": [],
        "C2": ["C1"],
    }
    assert analysis.graph.order() == ["C1", "C2", "B", "A"]
    b = analysis.resources["B"]
    assert (b.deletion_policy, b.update_replace_policy, b.condition) == ("Delete", "Delete", None)


@pytest.mark.parametrize(
    "resource, expected",
    [
        (
            "{Type: OS::Heat::None, DependsOn: Nope}",
            [
                (
                    "unknown-reference",
                    'Resources.X.DependsOn: DependsOn names unknown resource "Nope" (line 5:29)',
                )
            ],
        ),
        (
            "{Type: OS::Heat::None, DependsOn: [C1, Nope]}",
            [
                (
                    "unknown-reference",
                    'Resources.X.DependsOn[1]: DependsOn names unknown resource "Nope" (line 5:45)',
                )
            ],
        ),
        (
            "{Type: OS::Heat::None, DependsOn: {a: 1}}",
            [
                (
                    "invalid-depends-on",
                    "Resources.X.DependsOn: DependsOn must be a resource name or a list of them "
                    "(line 5:29)",
                )
            ],
        ),
        (
            "{Type: OS::Heat::None, DependsOn: X}",
            [("dependency-cycle", "Resources.X: circular dependency: X -> X (line 5:3)")],
        ),
        (
            "{Type: OS::Heat::None, Propertes: {}}",
            [
                (
                    "unknown-resource-key",
                    'Resources.X.Propertes: unknown resource key "Propertes" (line 5:29)',
                )
            ],
        ),
        (
            "{Properties: {}}",
            [("missing-type", "Resources.X.Type: a resource needs a Type (line 5:3)")],
        ),
        (
            "{Type: AWS::S3::Bucket}",
            [
                (
                    "unsupported-resource-type",
                    'Resources.X.Type: unsupported resource type "AWS::S3::Bucket" (line 5:7)',
                )
            ],
        ),
        (
            "{Type: OS::Heat::RandomStrng}",
            [
                (
                    "unsupported-resource-type",
                    'Resources.X.Type: unsupported resource type "OS::Heat::RandomStrng" '
                    '(did you mean "OS::Heat::RandomString"?) (line 5:7)',
                )
            ],
        ),
        ("[a]", [("invalid-resource", "Resources.X: a resource must be a mapping (line 5:3)")]),
        (
            "{Type: OS::Heat::None, DeletionPolicy: Keep}",
            [
                (
                    "invalid-policy",
                    "Resources.X.DeletionPolicy: DeletionPolicy must be one of Delete, "
                    'Retain, Snapshot, not "Keep" (line 5:29)',
                )
            ],
        ),
        (
            "{Type: OS::Heat::None, UpdateReplacePolicy: delete}",
            [
                (
                    "invalid-policy",
                    "Resources.X.UpdateReplacePolicy: UpdateReplacePolicy must be one "
                    'of Delete, Retain, Snapshot, not "delete" (line 5:29)',
                )
            ],
        ),
        (
            "{Type: OS::Heat::None, UpdatePolicy: yes}",
            [
                (
                    "invalid-policy",
                    "Resources.X.UpdatePolicy: UpdatePolicy must be a mapping (line 5:29)",
                )
            ],
        ),
        ("{Type: OS::Heat::None, CreationPolicy: {ResourceSignal: {Count: 1}}}", []),
        (
            "{Type: OS::Heat::None, Condition: Nope}",
            [("unknown-condition", 'Resources.X.Condition: unknown condition "Nope" (line 5:29)')],
        ),
        (
            "{Type: OS::Heat::None, Condition: {Ref: C}}",
            [("invalid-condition", "Resources.X.Condition: Condition must be a name (line 5:29)")],
        ),
        (
            "{Type: OS::Heat::TestResource, Properties: {value: !GetAtt C1.x}}",
            [
                (
                    "unknown-attribute",
                    'Resources.X.Properties.value.Fn::GetAtt: OS::Heat::None has no attribute "x" '
                    "(it has: none) (line 5:57)",
                )
            ],
        ),
        (
            "{Type: OS::Heat::TestResource, Properties: {valu: 1, wait_secs: -1}}",
            [
                (
                    "unknown-property",
                    'Resources.X.Properties.valu: unknown property "valu" (did you mean "value"?) '
                    "(line 5:50)",
                ),
                (
                    "property-constraint",
                    "Resources.X.Properties.wait_secs: value -1 is less than the minimum of 0 "
                    "(line 5:59)",
                ),
            ],
        ),
        # Properties of a type that accepts anything are not checked.
        ("{Type: OS::Heat::None, Properties: {whatever: [1]}}", []),
    ],
)
def test_resource_findings(resource, expected):
    text = "Conditions:\n  C: !Equals [a, b]\nResources:\n  C1: {Type: OS::Heat::None}\n"
    text += f"  X: {resource}\n"
    assert findings(text) == expected


OUTPUTS = """\
Conditions:
  C: !Equals [a, b]
Resources:
  A: {Type: OS::Heat::TestResource}
Outputs:
  Plain: {Value: 1, Description: one}
  Exported:
    Value: !GetAtt A.output
    Export: {Name: !Sub "${AWS::StackName}-a"}
    Condition: C
"""


def test_outputs():
    outputs = analysis_of(OUTPUTS).outputs
    assert (outputs["Plain"].value, outputs["Plain"].description) == (1, "one")
    assert outputs["Plain"].requires == frozenset()
    exported = outputs["Exported"]
    assert (exported.condition, exported.requires) == ("C", frozenset({"A"}))
    assert repr(exported.export_name) == "{'Fn::Sub': '${AWS::StackName}-a'}"


@pytest.mark.parametrize(
    "output, expected",
    [
        (
            "{Description: x}",
            [("missing-output-value", "Outputs.O: an output needs a Value (line 6:3)")],
        ),
        (
            "{Value: 1, Export: x}",
            [
                (
                    "invalid-export",
                    "Outputs.O.Export: Export must be a mapping with a Name (line 6:17)",
                )
            ],
        ),
        (
            "{Value: 1, Export: {Nmae: x}}",
            [
                (
                    "invalid-export",
                    "Outputs.O.Export: Export must be a mapping with a Name (line 6:17)",
                )
            ],
        ),
        (
            "{Value: 1, Condition: D}",
            [("unknown-condition", 'Outputs.O.Condition: unknown condition "D" (line 6:17)')],
        ),
        (
            "{Value: 1, Condtion: C}",
            [
                (
                    "unknown-output-key",
                    'Outputs.O.Condtion: unknown output key "Condtion" (line 6:17)',
                )
            ],
        ),
        (
            "{Value: !Ref B}",
            [
                (
                    "unknown-reference",
                    'Outputs.O.Value.Ref: Ref to unknown parameter or resource "B" (line 6:14)',
                )
            ],
        ),
        ("[1]", [("invalid-output", "Outputs.O: an output must be a mapping (line 6:3)")]),
    ],
)
def test_output_findings(output, expected):
    text = OUTPUTS.split("  Plain")[0] + f"  O: {output}\n"
    assert findings(text) == expected


def test_all_findings_are_collected_in_source_order():
    text = """\
Resources:
  B: {Type: OS::Heat::Nothing}
  A: {Type: OS::Heat::None, DependsOn: Z}
Bogus: 1
"""
    assert [code for code, _ in findings(text)] == [
        "unsupported-resource-type",
        "unknown-reference",
        "unknown-section",
    ]


def test_raise_if_reports_every_finding():
    template = Template.parse("Resources:\n  A: {Type: X}\n  B: {Type: Y}\n")
    with pytest.raises(TemplateError) as caught:
        template.raise_if(template.analyse().findings)
    assert str(caught.value) == (
        'Resources.A.Type: unsupported resource type "X" (line 2:7)\n'
        'Resources.B.Type: unsupported resource type "Y" (line 3:7)'
    )


def test_description():
    assert Template.parse("Description: hello\n" + NONE).description == "hello"
    assert Template.parse(NONE).description == ""
