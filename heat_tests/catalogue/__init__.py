"""The shared CFN template catalogue end to end: every template of
/work/shared/templates/cfn through the real `heat` CLI against one heat-all subprocess on
localcloud, with a test thread playing the servers' part (the real cfn-signal and
cfn-push-stats). table.py says what each template must do."""
