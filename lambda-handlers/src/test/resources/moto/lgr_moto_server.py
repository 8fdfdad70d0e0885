#!/usr/bin/env python3
"""moto server for lgr's tests, with the CloudFormation gaps that lgr's deploy hits patched.

Test-only. Run it exactly like moto's own server (same command-line arguments):

    python3 lgr_moto_server.py -H 127.0.0.1 -p PORT

It imports moto, patches a few of its classes in this process and calls moto.server.main. Product
code is never bent for moto: everything moto gets wrong is fixed here, or designed around in tests.

Written against moto 5.2.1. Each patch first checks that the moto internals it relies on are there
(and have the expected shape); when they are not (another moto version), it is skipped with a
warning naming it, and moto's own behaviour stays. A patch whose added code fails at run time also
warns and falls back to what moto did. The log says which patches are active. Set the environment
variable LGR_MOTO_SKIP_PATCHES to a comma-separated list of patch names (or "all") to run without
them, e.g. to see a gap again.

The patches (each closes a gap seen in moto 5.2.1):

  changeset-outputs
      After ExecuteChangeSet, DescribeStacks gave no Outputs: ChangeSet.apply updated the
      resources but never rebuilt the stack's template, outputs, description or parameters (the
      stack was made from an empty template at CreateChangeSet). Now, after apply, the stack takes
      the change set's template and parameters, re-parses it and rebuilds its output map (and
      registers its exports), for CREATE and UPDATE change sets alike.
  no-blank-resource-rows
      A resource whose Condition is false gave a blank row in DescribeStackResources /
      ListStackResources (and DescribeStackResource answered HTTP 500 when it came first). Such
      resources, and those of types moto does not model, are left out, as CloudFormation leaves
      out the former.
  lambda-alias-model
      AWS::Lambda::Alias was not supported (a blank DescribeStackResources row; Ref gave nothing).
      Adds a model that creates, updates and deletes a real alias in moto's Lambda backend, so
      GetAlias answers; Ref gives the alias ARN, as in AWS; GetAtt AliasArn too.
  cloudwatch-alarm-model
      AWS::CloudWatch::Alarm was not supported (blank row). Adds a model backed by moto's
      CloudWatch PutMetricAlarm/DeleteAlarms, so DescribeAlarms answers; Ref gives the alarm name
      (generated as CloudFormation does when AlarmName is not set); GetAtt Arn the alarm's ARN.
  s3-bucket-policy-model
      AWS::S3::BucketPolicy was not supported (blank row, no policy on the bucket). Adds a model
      backed by PutBucketPolicy/DeleteBucketPolicy.
  s3-policy-conditions
      moto enforces a bucket policy's Principal "*" statements but ignores their conditions, so
      the usual "deny s3:* unless aws:SecureTransport" statement (the bootstrap's code bucket has
      it) denied every request, PutObject included. A statement with a condition now applies only
      when its condition holds; aws:SecureTransport counts as true (moto on loopback stands in
      for AWS's HTTPS endpoints, which lgr uses). Conditions it cannot evaluate are ignored as
      before.
  lambda-permission-qualified
      AWS::Lambda::Permission whose FunctionName is an alias (a qualified ARN, or name:qualifier)
      made CreateStack/ExecuteChangeSet fail with HTTP 500 and left a half-made stack; the
      statement also had no StatementId of its own and was never removed. Now the permission goes
      to the qualified function (GetPolicy with Qualifier shows it), its StatementId is the
      resource's physical id (what Ref gives), and it is removed when the resource is deleted or
      replaced.
  lambda-version-model
      AWS::Lambda::Version: Fn::GetAtt Version.Version failed (no attributes at all), and in
      Outputs that made every output vanish; Ref gave the logical id instead of the version's
      ARN; Description was ignored; an update turned the resource into nothing. Now Ref gives the
      version ARN, GetAtt Version / FunctionArn work, Description reaches the published version,
      and an update publishes a new version (replacement; the old version is deleted once the
      update is done, as CloudFormation's clean-up does). As in AWS, replacing a version when the
      function has not changed since the last publish fails ("A version for this Lambda function
      exists"), where moto quietly handed back the old version.
  apigateway-deployment-ref
      Ref of an AWS::ApiGateway::Deployment gave a Python object's repr; it now gives the
      deployment id, as in AWS.
  apigateway-method-id
      An AWS::ApiGateway::Method had no physical id (its row showed none; Ref gave a repr); it
      now has a generated one.
  apigateway-restapi-delete
      DeleteStack left the stack's AWS::ApiGateway::RestApi behind; it is now deleted.
  logs-loggroup-update
      An update of an AWS::Logs::LogGroup (RetentionInDays) turned the resource into nothing, so
      every later Ref to it failed. It now sets (or removes) the retention policy.
  update-keeps-unsupported
      For any resource type whose model has no update, moto replaced the resource in the stack
      with None on update (later Refs broke, the resource vanished from DescribeStackResources
      and was never deleted). The resource is now kept as it was (the property change is not
      applied) and the log says so.
  stable-generated-names
      A resource without an explicit name got a new random name on every update (moto generated
      one per call), so ECR repositories (whose update compares names) were replaced, images and
      all, on any update. A generated name is now kept for the life of the stack, as in AWS.
  ecr-generated-name-lowercase
      An AWS::ECR::Repository without RepositoryName got a generated name with capitals, which
      ECR rejects, so the bootstrap stack failed. CloudFormation generates a lower-case name.
  ecr-repository-policies
      AWS::ECR::Repository LifecyclePolicy and RepositoryPolicyText were dropped without a word.
      They are now applied (and so validated by moto's ECR checks).
  update-order-and-propagation
      On ExecuteChangeSet moto created new resources in template order, ignoring DependsOn, and
      updated only resources whose template text changed or that Ref a changed parameter: a
      change reaching a resource through Fn::Sub or Fn::GetAtt (e.g. a new WebhookVersionKey in a
      version's Description, a replaced version in an alias's FunctionVersion) was not applied.
      A resource whose Condition turned true or false on update was neither created nor deleted.
      Now resources are created, updated and removed in dependency order (Ref, Fn::GetAtt,
      Fn::Sub, DependsOn); after moto's own update pass, every resource whose resolved
      properties differ from what it was last created or updated with is updated, until nothing
      changes (CloudFormation's own rule); resources whose condition became true are created, and
      those whose condition became false are deleted at the end.
  changeset-lists-parameter-changes
      An UPDATE change set whose only change is a parameter listed no changes, although it
      applied some. Resources whose properties reference a changed parameter (Ref or Fn::Sub)
      are now listed as Modify, and so are the dependents of a Lambda version or permission that
      will be replaced.

Still not done by moto with these patches (seen with lgr's templates; design tests around them):
  - properties dropped without a word: Lambda Architectures, SnapStart, LoggingConfig,
    EphemeralStorage (a stack's functions report PackageType Zip even for images); ECR
    ScanOnPush; S3 PublicAccessBlock, OwnershipControls, LifecycleConfiguration and
    BucketKeyEnabled; API Gateway EndpointConfiguration, stage throttling (StageDescription) and
    the integration's TimeoutInMillis. Nothing validates values (memory sizes, runtimes, ...).
  - the template's Rules are not checked; AWS::ApiGateway::Stage and AWS::SecretsManager::Secret
    are still skipped (a Ref to them is null).
  - API Gateway Resource, Method, Deployment and RestApi are never updated (kept as created).
  - a failing resource makes the API call itself fail (HTTP 4xx/5xx) and leaves what was done
    so far; there is no rollback and no resource-level events.
  - moto keeps one resource policy per function: GetPolicy without a qualifier also shows the
    statements given to an alias.
  - change sets list Add/Modify/Remove only (no Replacement, no property details); alarms never
    change state; Lambda functions never run.
"""

import copy
import functools
import inspect
import json
import os
import re
import sys
import traceback

PREFIX = "lgr_moto_server"
TESTED_MOTO = "5.2.1"

_PATCHES = []
_APPLIED = []
_SKIPPED = []
# New CloudFormationModel subclasses: moto finds models through __subclasses__(), which holds
# weak references only.
_MODELS = []


class PatchUnsupported(Exception):
    """moto's internals are not what a patch expects."""


def log(message):
    print(f"{PREFIX}: {message}", file=sys.stderr, flush=True)


def warn_runtime(patch, error):
    """A patch's own code failed while serving a request: say so, keep moto's behaviour."""
    log(
        f"WARNING: patch {patch} failed at run time ({type(error).__name__}: {error});"
        " moto's unpatched behaviour is used for this call"
    )


def patch(name):
    def register(function):
        _PATCHES.append((name, function))
        return function

    return register


def need(owner, *names):
    """The named attributes of owner, or PatchUnsupported."""
    found = []
    for name in names:
        if not hasattr(owner, name):
            raise PatchUnsupported(f"{getattr(owner, '__name__', owner)!r} has no {name}")
        found.append(getattr(owner, name))
    return found[0] if len(found) == 1 else found


def need_params(function, *names):
    """PatchUnsupported unless function takes these parameters (in this order, first ones)."""
    try:
        params = list(inspect.signature(function).parameters)
    except (TypeError, ValueError) as e:
        raise PatchUnsupported(f"cannot inspect {function!r}: {e}")
    if params[: len(names)] != list(names):
        raise PatchUnsupported(
            f"{getattr(function, '__qualname__', function)} takes {params}, expected {list(names)}"
        )


def is_model(value):
    """Whether a ResourceMap entry is a resource model (not a parameter value or None)."""
    return value is not None and not isinstance(value, (str, int, float, bool, list, dict))


def is_abstract(function):
    return function is None or getattr(function, "__isabstractmethod__", False)


def not_found(error):
    """Whether a backend error means the thing is already gone."""
    text = f"{type(error).__name__} {error}".lower()
    return any(
        word in text
        for word in ("notfound", "not found", "does not exist", "nosuch", "unknown", "keyerror")
    ) or isinstance(error, KeyError)


def _cfn():
    from moto.cloudformation import models as cfn_models
    from moto.cloudformation import parsing

    return cfn_models, parsing


def _add_model(parsing, model):
    """Registers a new CloudFormation model class with moto's (cached) model lookups."""
    _MODELS.append(model)
    for cached in ("get_model_list", "get_model_map", "get_name_type_map"):
        function = getattr(parsing, cached, None)
        if function is not None and hasattr(function, "cache_clear"):
            function.cache_clear()
    if parsing.get_model_map().get(model.cloudformation_type()) is not model:
        raise PatchUnsupported(f"moto did not pick up the model for {model.cloudformation_type()}")


def _check_no_model(parsing, resource_type):
    existing = parsing.get_model_map().get(resource_type)
    if existing is not None:
        raise PatchUnsupported(
            f"this moto already has a model for {resource_type} ({existing.__module__}."
            f"{existing.__name__}); not replacing it"
        )


# ---------------------------------------------------------------- template references


def _sub_names(template):
    names = set()
    for match in re.finditer(r"\$\{([^}!][^}]*)\}", template):
        names.add(match.group(1).split(".")[0].strip())
    return names


def template_references(node):
    """Logical ids and parameter names a template fragment uses (Ref, Fn::GetAtt, Fn::Sub)."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                if isinstance(value, list) and value and isinstance(value[0], str):
                    found.add(value[0])
                elif isinstance(value, str):
                    found.add(value.split(".")[0])
            elif key == "Fn::Sub":
                if isinstance(value, str):
                    found |= _sub_names(value)
                elif isinstance(value, list) and value and isinstance(value[0], str):
                    local = value[1] if len(value) > 1 and isinstance(value[1], dict) else {}
                    found |= _sub_names(value[0]) - set(local)
                    found |= template_references(local)
            else:
                found |= template_references(value)
    elif isinstance(node, list):
        for item in node:
            found |= template_references(item)
    return {name for name in found if not name.startswith("AWS::")}


def resource_dependencies(resources, name):
    resource = resources.get(name) or {}
    depends = resource.get("DependsOn") or []
    if isinstance(depends, str):
        depends = [depends]
    refs = template_references({k: v for k, v in resource.items() if k != "DependsOn"})
    return [d for d in list(depends) + sorted(refs) if d in resources and d != name]


def dependency_order(resources):
    """Resource names, each after those it depends on (template order otherwise)."""
    order, state = [], {}

    def visit(name):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":  # a cycle: CloudFormation refuses it; moto does not care
            return
        state[name] = "visiting"
        for dependency in resource_dependencies(resources, name):
            visit(dependency)
        state[name] = "done"
        order.append(name)

    for name in resources:
        visit(name)
    return order


# ---------------------------------------------------------------- the patches


@patch("changeset-outputs")
def patch_changeset_outputs():
    cfn_models, _ = _cfn()
    change_set = need(cfn_models, "ChangeSet")
    stack = need(cfn_models, "Stack")
    original_apply = need(change_set, "apply")
    need_params(original_apply, "self")
    need(stack, "_parse_template", "_create_output_map")
    backends = need(cfn_models, "cloudformation_backends")

    @functools.wraps(original_apply)
    def apply(self):
        original_apply(self)
        try:
            target = self.stack
            target.template = self.template
            target._parse_template()
            target.description = target.template_dict.get("Description")
            if self.parameters is not None:
                target.parameters = dict(self.parameters)
            target.output_map = target._create_output_map()
            backend = backends[target.account_id][target.region_name]
            for export in target.exports:
                backend.exports[export.name] = export
        except Exception as e:  # noqa: BLE001
            warn_runtime("changeset-outputs", e)

    change_set.apply = apply


@patch("no-blank-resource-rows")
def patch_no_blank_resource_rows():
    cfn_models, _ = _cfn()
    stack = need(cfn_models, "Stack")
    original = vars(stack).get("stack_resources")
    if not isinstance(original, property):
        raise PatchUnsupported("Stack.stack_resources is not a property")

    def stack_resources(self):
        # None stands for a resource whose Condition is false (CloudFormation does not list
        # it) or of a type moto does not model (moto has nothing to show for it).
        return [resource for resource in original.fget(self) if resource is not None]

    stack.stack_resources = property(stack_resources)


@patch("lambda-alias-model")
def patch_lambda_alias_model():
    _, parsing = _cfn()
    from moto.awslambda import models as lambda_models
    from moto.core.common_models import CloudFormationModel

    _check_no_model(parsing, "AWS::Lambda::Alias")
    backends = need(lambda_models, "lambda_backends")
    backend_class = need(lambda_models, "LambdaBackend")
    for method in ("create_alias", "update_alias", "delete_alias", "get_alias"):
        need(backend_class, method)
    need_params(
        backend_class.create_alias,
        "self",
        "name",
        "function_name",
        "function_version",
        "description",
        "routing_config",
    )

    def routing(properties):
        config = properties.get("RoutingConfig")
        if not config:
            return None
        weights = config.get("AdditionalVersionWeights") or []
        return {
            "AdditionalVersionWeights": {
                str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights
            }
        }

    class LgrLambdaAlias(CloudFormationModel):
        # moto's model metaclass files a model under the service named in its module.
        __module__ = "moto.awslambda.lgr_moto_server"

        def __init__(self, account_id, region_name, function_name, alias):
            self.account_id = account_id
            self.region_name = region_name
            self.function_name = function_name
            self.alias = alias

        @staticmethod
        def cloudformation_name_type():
            return ""

        @staticmethod
        def cloudformation_type():
            return "AWS::Lambda::Alias"

        @property
        def physical_resource_id(self):
            return self.alias.arn

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in ("AliasArn",)

        def get_cfn_attribute(self, attribute_name):
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "AliasArn":
                return self.alias.arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            backend = backends[account_id][region_name]
            alias = backend.create_alias(
                name=properties["Name"],
                function_name=properties["FunctionName"],
                function_version=str(properties["FunctionVersion"]),
                description=properties.get("Description", ""),
                routing_config=routing(properties),
            )
            function_name = backend.get_function(properties["FunctionName"]).function_name
            return cls(account_id, region_name, function_name, alias)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            properties = cloudformation_json["Properties"]
            backend = backends[account_id][region_name]
            function_name = backend.get_function(properties["FunctionName"]).function_name
            if (
                function_name != original_resource.function_name
                or properties["Name"] != original_resource.alias.name
            ):  # both need a replacement
                replacement = cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                )
                original_resource.delete(account_id, region_name)
                return replacement
            alias = backend.update_alias(
                name=properties["Name"],
                function_name=function_name,
                function_version=str(properties["FunctionVersion"]),
                description=properties.get("Description", ""),
                routing_config=routing(properties),
            )
            return cls(account_id, region_name, function_name, alias)

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name
        ):
            pass  # instances delete themselves (delete below)

        def delete(self, account_id, region_name):
            try:
                backends[account_id][region_name].delete_alias(self.alias.name, self.function_name)
            except Exception as e:  # noqa: BLE001
                if not not_found(e):
                    raise

    _add_model(parsing, LgrLambdaAlias)


@patch("cloudwatch-alarm-model")
def patch_cloudwatch_alarm_model():
    _, parsing = _cfn()
    from moto.cloudwatch import models as cw_models
    from moto.core.common_models import CloudFormationModel

    _check_no_model(parsing, "AWS::CloudWatch::Alarm")
    backends = need(cw_models, "cloudwatch_backends")
    backend_class = need(cw_models, "CloudWatchBackend")
    need(backend_class, "put_metric_alarm", "delete_alarms")
    accepted = set(inspect.signature(backend_class.put_metric_alarm).parameters)
    required = {
        "name",
        "namespace",
        "metric_name",
        "comparison_operator",
        "evaluation_periods",
        "period",
        "threshold",
        "statistic",
        "description",
        "dimensions",
        "alarm_actions",
    }
    if not required <= accepted:
        raise PatchUnsupported(f"put_metric_alarm lacks {sorted(required - accepted)}")
    metric_classes = [
        getattr(cw_models, name, None)
        for name in ("MetricDataQuery", "MetricStat", "Metric", "Dimension")
    ]

    def number(value, kind):
        return None if value is None else kind(value)

    def queries(metrics):
        if not metrics or None in metric_classes:
            return None
        query_class, stat_class, metric_class, dimension_class = metric_classes
        result = []
        for metric in metrics:
            stat = metric.get("MetricStat")
            metric_stat = None
            if stat:
                inner = stat.get("Metric", {})
                metric_stat = stat_class(
                    metric=metric_class(
                        metric_name=inner.get("MetricName"),
                        namespace=inner.get("Namespace"),
                        dimensions=[
                            dimension_class(d.get("Name"), d.get("Value"))
                            for d in inner.get("Dimensions", [])
                        ],
                    ),
                    period=stat.get("Period"),
                    stat=stat.get("Stat"),
                    unit=stat.get("Unit"),
                )
            result.append(
                query_class(
                    query_id=metric.get("Id"),
                    label=metric.get("Label"),
                    period=metric.get("Period"),
                    return_data=metric.get("ReturnData"),
                    expression=metric.get("Expression"),
                    metric_stat=metric_stat,
                )
            )
        return result

    def put(name, properties, account_id, region_name):
        enabled = properties.get("ActionsEnabled", True)
        arguments = {
            "name": name,
            "namespace": properties.get("Namespace"),
            "metric_name": properties.get("MetricName"),
            "comparison_operator": properties.get("ComparisonOperator"),
            "evaluation_periods": number(properties.get("EvaluationPeriods"), int),
            "period": number(properties.get("Period"), int),
            "threshold": number(properties.get("Threshold"), float),
            "statistic": properties.get("Statistic"),
            "description": properties.get("AlarmDescription"),
            "dimensions": [
                {"Name": d["Name"], "Value": str(d["Value"])}
                for d in properties.get("Dimensions") or []
            ],
            "alarm_actions": list(properties.get("AlarmActions") or []),
            "ok_actions": list(properties.get("OKActions") or []),
            "insufficient_data_actions": list(properties.get("InsufficientDataActions") or []),
            "metric_data_queries": queries(properties.get("Metrics")),
            "datapoints_to_alarm": number(properties.get("DatapointsToAlarm"), int),
            "extended_statistic": properties.get("ExtendedStatistic"),
            "unit": properties.get("Unit"),
            "actions_enabled": str(enabled).lower() != "false",
            "treat_missing_data": properties.get("TreatMissingData"),
            "evaluate_low_sample_count_percentile": properties.get(
                "EvaluateLowSampleCountPercentile"
            ),
            "threshold_metric_id": properties.get("ThresholdMetricId"),
            "tags": properties.get("Tags") or None,
        }
        arguments = {k: v for k, v in arguments.items() if k in accepted}
        return backends[account_id][region_name].put_metric_alarm(**arguments)

    class LgrCloudWatchAlarm(CloudFormationModel):
        # moto's model metaclass files a model under the service named in its module.
        __module__ = "moto.cloudwatch.lgr_moto_server"

        def __init__(self, alarm):
            self.alarm = alarm

        @staticmethod
        def cloudformation_name_type():
            return "AlarmName"

        @staticmethod
        def cloudformation_type():
            return "AWS::CloudWatch::Alarm"

        @property
        def physical_resource_id(self):
            return self.alarm.name

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in ("Arn",)

        def get_cfn_attribute(self, attribute_name):
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.alarm.alarm_arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            return cls(put(resource_name, properties, account_id, region_name))

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            properties = cloudformation_json["Properties"]
            name = properties.get("AlarmName", original_resource.alarm.name)
            updated = cls(put(name, properties, account_id, region_name))
            if name != original_resource.alarm.name:  # a new name replaces the alarm
                original_resource.delete(account_id, region_name)
            return updated

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name
        ):
            pass

        def delete(self, account_id, region_name):
            backends[account_id][region_name].delete_alarms([self.alarm.name])

    _add_model(parsing, LgrCloudWatchAlarm)


@patch("s3-bucket-policy-model")
def patch_s3_bucket_policy_model():
    _, parsing = _cfn()
    from moto.core.common_models import CloudFormationModel
    from moto.s3 import models as s3_models
    from moto.utilities.utils import get_partition

    _check_no_model(parsing, "AWS::S3::BucketPolicy")
    backends = need(s3_models, "s3_backends")
    backend_class = need(s3_models, "S3Backend")
    need(backend_class, "put_bucket_policy", "delete_bucket_policy")
    need_params(backend_class.put_bucket_policy, "self", "bucket_name", "policy")

    def backend(account_id, region_name):
        return backends[account_id][get_partition(region_name)]

    def document(properties):
        policy = properties["PolicyDocument"]
        return (policy if isinstance(policy, str) else json.dumps(policy)).encode("utf-8")

    class LgrS3BucketPolicy(CloudFormationModel):
        # moto's model metaclass files a model under the service named in its module.
        __module__ = "moto.s3.lgr_moto_server"

        def __init__(self, name, bucket):
            self.name = name
            self.bucket = bucket

        @staticmethod
        def cloudformation_name_type():
            return ""

        @staticmethod
        def cloudformation_type():
            return "AWS::S3::BucketPolicy"

        @property
        def physical_resource_id(self):
            return self.name

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            bucket = properties["Bucket"]
            backend(account_id, region_name).put_bucket_policy(bucket, document(properties))
            return cls(resource_name, bucket)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            properties = cloudformation_json["Properties"]
            if properties["Bucket"] != original_resource.bucket:
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                )
            backend(account_id, region_name).put_bucket_policy(
                original_resource.bucket, document(properties)
            )
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name
        ):
            pass

        def delete(self, account_id, region_name):
            try:
                backend(account_id, region_name).delete_bucket_policy(self.bucket)
            except Exception as e:  # noqa: BLE001
                if not not_found(e):
                    raise

    _add_model(parsing, LgrS3BucketPolicy)


@patch("s3-policy-conditions")
def patch_s3_policy_conditions():
    from moto.iam import access_control
    from moto.s3 import models as s3_models

    bucket = need(s3_models, "FakeBucket")
    original = need(bucket, "get_permission")
    need_params(original, "self", "action", "resource")
    iam_policy = need(access_control, "IAMPolicy")
    result = need(access_control, "PermissionResult")
    need(result, "NEUTRAL")
    # What moto can tell about a request here. moto on loopback stands in for AWS's HTTPS
    # endpoints, which lgr always uses: requests count as secure transport.
    context = {"aws:securetransport": "true"}
    equal = {"Bool", "StringEquals", "StringEqualsIgnoreCase"}
    not_equal = {"StringNotEquals", "StringNotEqualsIgnoreCase"}

    def holds(condition):
        """True or False when the condition can be evaluated here, else None."""
        verdict = True
        for operator, pairs in condition.items():
            base = operator[: -len("IfExists")] if operator.endswith("IfExists") else operator
            if base not in equal | not_equal or not isinstance(pairs, dict):
                return None
            for key, expected in pairs.items():
                actual = context.get(key.lower())
                if actual is None:
                    return None
                expected = expected if isinstance(expected, list) else [expected]
                values = [str(v).lower() for v in expected]
                matched = actual in values
                if (base in equal) != matched:
                    verdict = False
        return verdict

    @functools.wraps(original)
    def get_permission(self, action, resource):
        if getattr(self, "policy", None) is None:
            return original(self, action, resource)
        try:
            document = json.loads(self.policy.decode("utf-8"))
            statements = document.get("Statement") or []
            if isinstance(statements, dict):
                statements = [statements]
            kept = []
            for statement in statements:
                condition = statement.get("Condition")
                if condition:
                    verdict = holds(condition)
                    if verdict is False:
                        continue  # the statement does not apply to this request
                    if verdict is True:
                        statement = {k: v for k, v in statement.items() if k != "Condition"}
                kept.append(statement)
            if not kept:
                return result.NEUTRAL
            return iam_policy(json.dumps(dict(document, Statement=kept))).is_action_permitted(
                action, resource
            )
        except Exception as e:  # noqa: BLE001
            warn_runtime("s3-policy-conditions", e)
            return original(self, action, resource)

    bucket.get_permission = get_permission


def split_function_reference(reference):
    """(function name, qualifier or None) from a name, name:qualifier, partial or full ARN."""
    reference = str(reference)
    if ":function:" in reference:
        rest = reference.split(":function:", 1)[1]
        name, _, qualifier = rest.partition(":")
        return name, qualifier or None
    name, _, qualifier = reference.partition(":")
    return name, qualifier or None


@patch("lambda-permission-qualified")
def patch_lambda_permission():
    _, parsing = _cfn()
    from moto.awslambda import models as lambda_models

    permission = need(lambda_models, "Permission")
    backends = need(lambda_models, "lambda_backends")
    backend_class = need(lambda_models, "LambdaBackend")
    need(backend_class, "add_permission", "remove_permission")
    need_params(backend_class.add_permission, "self", "function_name", "qualifier", "raw")
    need_params(backend_class.remove_permission, "self", "function_name", "sid")
    need_params(permission.__init__, "self", "region")
    if parsing.get_model_map().get("AWS::Lambda::Permission") is not permission:
        raise PatchUnsupported("moto's AWS::Lambda::Permission model is not Permission")
    if "physical_resource_id" in vars(permission) or "delete" in vars(permission):
        raise PatchUnsupported("this moto's Permission already has an id or a delete")

    statement_keys = (
        "Action",
        "Principal",
        "SourceArn",
        "SourceAccount",
        "PrincipalOrgID",
        "EventSourceToken",
        "FunctionUrlAuthType",
    )

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        name, qualifier = split_function_reference(properties["FunctionName"])
        statement = {k: properties[k] for k in statement_keys if k in properties}
        statement["StatementId"] = resource_name
        backends[account_id][region_name].add_permission(name, qualifier, json.dumps(statement))
        created = cls(region=region_name)
        created.lgr_statement_id = resource_name
        created.lgr_function = name
        created.lgr_qualifier = qualifier
        return created

    def update(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        # Every property of a permission needs a replacement. The old statement goes first: the
        # new one may get the same statement id (stable-generated-names).
        original_resource.delete(account_id, region_name)
        return create(cls, new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id, region_name):
        statement_id = getattr(self, "lgr_statement_id", None)
        if statement_id is None:
            return
        target = self.lgr_function + (f":{self.lgr_qualifier}" if self.lgr_qualifier else "")
        try:
            backends[account_id][region_name].remove_permission(target, statement_id)
        except Exception as e:  # noqa: BLE001
            if not not_found(e):
                raise

    permission.create_from_cloudformation_json = classmethod(create)
    permission.update_from_cloudformation_json = classmethod(update)
    permission.physical_resource_id = property(lambda self: getattr(self, "lgr_statement_id", None))
    permission.delete = delete


@patch("lambda-version-model")
def patch_lambda_version():
    _, parsing = _cfn()
    from moto.awslambda import models as lambda_models
    from moto.cloudformation.exceptions import ValidationError

    version = need(lambda_models, "LambdaVersion")
    backends = need(lambda_models, "lambda_backends")
    backend_class = need(lambda_models, "LambdaBackend")
    need(backend_class, "publish_version", "delete_function", "get_function", "list_aliases")
    need_params(backend_class.publish_version, "self", "function_name", "description")
    need_params(backend_class.delete_function, "self", "function_name", "qualifier")
    need_params(version.__init__, "self", "spec")
    if parsing.get_model_map().get("AWS::Lambda::Version") is not version:
        raise PatchUnsupported("moto's AWS::Lambda::Version model is not LambdaVersion")
    for attribute in ("physical_resource_id", "get_cfn_attribute", "delete"):
        if attribute in vars(version):
            raise PatchUnsupported(f"this moto's LambdaVersion already has {attribute}")

    def publish(cls, cloudformation_json, account_id, region_name, replacing=None):
        properties = cloudformation_json["Properties"]
        backend = backends[account_id][region_name]
        name, _ = split_function_reference(properties["FunctionName"])
        published = backend.publish_version(name, properties.get("Description", ""))
        if published is None:
            raise ValidationError(name, message=f"Function not found: {name}")
        if replacing is not None and str(published.version) == str(replacing.version):
            raise ValidationError(
                name,
                message=f"A version for this Lambda function exists ( {published.version} )."
                " Modify the function to create a new version.",
            )
        created = cls({"Version": published.version})
        created.lgr_function = published.function_name
        created.lgr_arn = published.function_arn
        return created

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return publish(cls, cloudformation_json, account_id, region_name)

    def update(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        # Every property of a version needs a replacement: publish a new one; the old one goes in
        # the clean-up after the whole update (update-order-and-propagation runs it).
        replacement = publish(
            cls, cloudformation_json, account_id, region_name, replacing=original_resource
        )
        replacement.lgr_cleanup = functools.partial(
            original_resource.delete, account_id, region_name
        )
        return replacement

    def get_cfn_attribute(self, attribute_name):
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Version":
            return str(self.version)
        if attribute_name == "FunctionArn":
            return getattr(self, "lgr_arn", None)
        raise UnformattedGetAttTemplateException()

    def delete(self, account_id, region_name):
        function = getattr(self, "lgr_function", None)
        if function is None:
            return
        backend = backends[account_id][region_name]
        try:
            aliases = [
                a.name
                for a in backend.list_aliases(function)
                if str(a.function_version) == str(self.version)
            ]
        except Exception as e:  # noqa: BLE001
            if not_found(e):
                return
            raise
        if aliases:
            # As Lambda refuses; in DeleteStack, moto tries again once the alias is gone.
            from moto.awslambda.exceptions import InvalidParameterValueException

            raise InvalidParameterValueException(
                f"Unable to delete version {self.version} of {function}:"
                f" aliases {aliases} point at it"
            )
        try:
            backend.delete_function(function, str(self.version))
        except Exception as e:  # noqa: BLE001
            if not not_found(e):
                raise

    version.create_from_cloudformation_json = classmethod(create)
    version.update_from_cloudformation_json = classmethod(update)
    version.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Version", "FunctionArn"))
    version.get_cfn_attribute = get_cfn_attribute
    version.physical_resource_id = property(lambda self: getattr(self, "lgr_arn", None))
    version.delete = delete


@patch("apigateway-deployment-ref")
def patch_apigateway_deployment_ref():
    from moto.apigateway import models as apigw_models

    deployment = need(apigw_models, "Deployment")
    need_params(deployment.__init__, "self", "deployment_id")
    if "physical_resource_id" in vars(deployment):
        raise PatchUnsupported("this moto's Deployment already has a physical_resource_id")
    deployment.physical_resource_id = property(lambda self: self.id)


@patch("apigateway-method-id")
def patch_apigateway_method_id():
    from moto.apigateway import models as apigw_models

    method = need(apigw_models, "Method")
    original_create = need(method, "create_from_cloudformation_json")
    if "physical_resource_id" in vars(method):
        raise PatchUnsupported("this moto's Method already has a physical_resource_id")
    if not hasattr(original_create, "__func__"):
        raise PatchUnsupported("Method.create_from_cloudformation_json is not a classmethod")

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        created = original_create.__func__(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        created.lgr_id = resource_name
        return created

    method.create_from_cloudformation_json = classmethod(create)
    method.physical_resource_id = property(lambda self: getattr(self, "lgr_id", None))


@patch("apigateway-restapi-delete")
def patch_apigateway_restapi_delete():
    from moto.apigateway import models as apigw_models

    rest_api = need(apigw_models, "RestAPI")
    backends = need(apigw_models, "apigateway_backends")
    need(need(apigw_models, "APIGatewayBackend"), "delete_rest_api")
    if "delete" in vars(rest_api) or not is_abstract(
        getattr(rest_api, "delete_from_cloudformation_json", None)
    ):
        raise PatchUnsupported("this moto's RestAPI already knows how to delete itself")

    def delete(self, account_id, region_name):
        try:
            backends[account_id][region_name].delete_rest_api(self.id)
        except Exception as e:  # noqa: BLE001
            if not not_found(e):
                raise

    rest_api.delete = delete


@patch("logs-loggroup-update")
def patch_log_group_update():
    from moto.logs import models as logs_models

    log_group = need(logs_models, "LogGroup")
    backends = need(logs_models, "logs_backends")
    backend_class = need(logs_models, "LogsBackend")
    need(backend_class, "put_retention_policy", "delete_retention_policy")
    if not is_abstract(getattr(log_group, "update_from_cloudformation_json", None)):
        raise PatchUnsupported("this moto's LogGroup already has an update")

    def update(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json["Properties"]
        name = properties.get("LogGroupName", original_resource.name)
        if name != original_resource.name:
            replacement = cls.create_from_cloudformation_json(
                name, cloudformation_json, account_id, region_name
            )
            original_resource.delete(account_id, region_name)
            return replacement
        backend = backends[account_id][region_name]
        if properties.get("RetentionInDays") is not None:
            backend.put_retention_policy(name, int(properties["RetentionInDays"]))
        else:
            backend.delete_retention_policy(name)
        return original_resource

    log_group.update_from_cloudformation_json = classmethod(update)


@patch("update-keeps-unsupported")
def patch_update_keeps_unsupported():
    _, parsing = _cfn()
    original = need(parsing, "parse_and_update_resource")
    need_params(
        original, "logical_id", "resource_json", "resources_map", "account_id", "region_name"
    )

    @functools.wraps(original)
    def parse_and_update_resource(
        logical_id, resource_json, resources_map, account_id, region_name
    ):
        before = getattr(resources_map, "_parsed_resources", {}).get(logical_id)
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is None and is_model(before):
            log(
                f"moto cannot update {resource_json.get('Type')} {logical_id}: kept as it was"
                " (the changed properties are not applied)"
            )
            return before
        return updated

    parsing.parse_and_update_resource = parse_and_update_resource


@patch("stable-generated-names")
def patch_stable_generated_names():
    _, parsing = _cfn()
    original = need(parsing, "parse_resource_and_generate_name")
    need(parsing, "resource_name_property_from_type")
    need_params(original, "logical_id", "resource_json", "resources_map")
    names = {}

    @functools.wraps(original)
    def parse_resource_and_generate_name(logical_id, resource_json, resources_map):
        result = original(logical_id, resource_json, resources_map)
        try:
            if not result:
                return result
            resource_class, cleaned, name = result
            resource_type = resource_json.get("Type")
            property_name = parsing.resource_name_property_from_type(resource_type)
            if property_name and property_name in (cleaned.get("Properties") or {}):
                return result  # named in the template
            key = (getattr(resources_map, "stack_id", None), logical_id, resource_type)
            return resource_class, cleaned, names.setdefault(key, name)
        except Exception as e:  # noqa: BLE001
            warn_runtime("stable-generated-names", e)
            return result

    parsing.parse_resource_and_generate_name = parse_resource_and_generate_name


@patch("ecr-generated-name-lowercase")
def patch_ecr_generated_name():
    _, parsing = _cfn()
    original = need(parsing, "generate_resource_name")
    need_params(original, "resource_type", "stack_name", "logical_id")

    @functools.wraps(original)
    def generate_resource_name(resource_type, stack_name, logical_id):
        name = original(resource_type, stack_name, logical_id)
        if resource_type == "AWS::ECR::Repository":
            return name.lower()
        return name

    parsing.generate_resource_name = generate_resource_name


@patch("ecr-repository-policies")
def patch_ecr_repository_policies():
    from moto.ecr import models as ecr_models

    repository = need(ecr_models, "Repository")
    backends = need(ecr_models, "ecr_backends")
    backend_class = need(ecr_models, "ECRBackend")
    need(backend_class, "put_lifecycle_policy", "set_repository_policy")
    need_params(
        backend_class.put_lifecycle_policy,
        "self",
        "registry_id",
        "repository_name",
        "lifecycle_policy_text",
    )
    need_params(
        backend_class.set_repository_policy, "self", "registry_id", "repository_name", "policy_text"
    )
    original_create = need(repository, "create_from_cloudformation_json")
    original_update = need(repository, "update_from_cloudformation_json")

    def apply_policies(repo, cloudformation_json, account_id, region_name):
        properties = cloudformation_json.get("Properties") or {}
        backend = backends[account_id][region_name]
        lifecycle = (properties.get("LifecyclePolicy") or {}).get("LifecyclePolicyText")
        if lifecycle:
            text = lifecycle if isinstance(lifecycle, str) else json.dumps(lifecycle)
            backend.put_lifecycle_policy(repo.registry_id, repo.name, text)
        policy = properties.get("RepositoryPolicyText")
        if policy:
            text = policy if isinstance(policy, str) else json.dumps(policy)
            backend.set_repository_policy(repo.registry_id, repo.name, text)

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        repo = original_create.__func__(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        apply_policies(repo, cloudformation_json, account_id, region_name)
        return repo

    def update(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        repo = original_update.__func__(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        apply_policies(repo, cloudformation_json, account_id, region_name)
        return repo

    if not hasattr(original_create, "__func__") or not hasattr(original_update, "__func__"):
        raise PatchUnsupported("Repository's CloudFormation methods are not classmethods")
    repository.create_from_cloudformation_json = classmethod(create)
    repository.update_from_cloudformation_json = classmethod(update)


_UNKNOWN = object()


def _resolved_properties(parsing, resources_map, resource_json):
    try:
        properties = copy.deepcopy(resource_json.get("Properties") or {})
        return parsing.clean_json(properties, resources_map)
    except Exception:  # noqa: BLE001
        return _UNKNOWN


@patch("update-order-and-propagation")
def patch_update_order_and_propagation():
    _, parsing = _cfn()
    resource_map = need(parsing, "ResourceMap")
    original_diff = need(resource_map, "build_resource_diff")
    original_update = need(resource_map, "update")
    original_create_resource = need(parsing, "parse_and_create_resource")
    need(parsing, "parse_and_update_resource", "clean_json")
    need(resource_map, "_delete_resource", "__getitem__")
    need_params(original_diff, "self", "other_template", "parameters")
    need_params(original_update, "self", "template", "parameters")
    need_params(
        original_create_resource,
        "logical_id",
        "resource_json",
        "resources_map",
        "account_id",
        "region_name",
    )

    def remember(resource, resources_map, resource_json):
        if is_model(resource):
            try:
                resource.lgr_properties = _resolved_properties(
                    parsing, resources_map, resource_json
                )
            except Exception:  # noqa: BLE001  (a model that refuses new attributes)
                pass

    @functools.wraps(original_create_resource)
    def parse_and_create_resource(
        logical_id, resource_json, resources_map, account_id, region_name
    ):
        created = original_create_resource(
            logical_id, resource_json, resources_map, account_id, region_name
        )
        remember(created, resources_map, resource_json)
        return created

    # Wraps whatever parse_and_update_resource is installed when the patch runs (after
    # update-keeps-unsupported, so it sees the kept resource too).
    inner_update_resource = parsing.parse_and_update_resource

    @functools.wraps(inner_update_resource)
    def parse_and_update_resource(
        logical_id, resource_json, resources_map, account_id, region_name
    ):
        updated = inner_update_resource(
            logical_id, resource_json, resources_map, account_id, region_name
        )
        remember(updated, resources_map, resource_json)
        return updated

    @functools.wraps(original_diff)
    def build_resource_diff(self, other_template, parameters=None):
        diff = original_diff(self, other_template, parameters)
        try:
            new_order = dependency_order(other_template.get("Resources") or {})
            old_order = dependency_order(getattr(self, "_resource_json_map", {}) or {})
            rank_new = {name: i for i, name in enumerate(new_order)}
            rank_old = {name: i for i, name in enumerate(old_order)}
            for action in ("Add", "Modify"):
                diff[action] = sorted(
                    set(diff[action]), key=lambda n: rank_new.get(n, len(rank_new))
                )
            diff["Remove"] = sorted(set(diff["Remove"]), key=lambda n: -rank_old.get(n, -1))
        except Exception as e:  # noqa: BLE001
            warn_runtime("update-order-and-propagation", e)
        return diff

    def propagate(self, template):
        resources = template.get("Resources") or {}
        parsed = self._parsed_resources
        for _ in range(10):
            changed = False
            for name in dependency_order(resources):
                resource_json = resources[name]
                condition = resource_json.get("Condition")
                if condition and not self.lazy_condition_map[condition]:
                    continue
                if condition and parsed.get(name) is None:
                    # Its condition has become true: create it.
                    if self[name] is not None:
                        changed = True
                    continue
                current = parsed.get(name)
                recorded = getattr(current, "lgr_properties", _UNKNOWN)
                if current is None or recorded is _UNKNOWN:
                    continue
                now = _resolved_properties(parsing, self, resource_json)
                if now is _UNKNOWN or now == recorded:
                    continue
                updated = parsing.parse_and_update_resource(
                    name,
                    resource_json,
                    self,
                    account_id=self._account_id,
                    region_name=self._region_name,
                )
                if updated is not None:
                    parsed[name] = updated
                    remember(updated, self, resource_json)
                    changed = True
            if not changed:
                return
        log("update-order-and-propagation: resources still changing after 10 passes; stopped")

    def remove_false_conditions(self, template):
        # A resource whose condition has become false is deleted in the clean-up.
        resources = template.get("Resources") or {}
        for name in reversed(dependency_order(resources)):
            condition = resources[name].get("Condition")
            current = self._parsed_resources.get(name)
            if not condition or current is None or self.lazy_condition_map[condition]:
                continue
            self._delete_resource(current, resources[name])
            self._parsed_resources.pop(name, None)

    def clean_up(self):
        for resource in list(self._parsed_resources.values()):
            cleanup = getattr(resource, "lgr_cleanup", None)
            if cleanup is not None:
                resource.lgr_cleanup = None
                try:
                    cleanup()
                except Exception as e:  # noqa: BLE001
                    # As in CloudFormation, a failed clean-up does not fail the update.
                    log(f"clean-up after update failed: {type(e).__name__}: {e}")

    @functools.wraps(original_update)
    def update(self, template, parameters=None):
        original_update(self, template, parameters)
        try:
            propagate(self, template)
            remove_false_conditions(self, template)
        except Exception as e:
            if type(e).__module__.startswith("moto."):
                raise  # a resource's update failed: the update fails, as in AWS
            warn_runtime("update-order-and-propagation", e)
        clean_up(self)

    parsing.parse_and_create_resource = parse_and_create_resource
    parsing.parse_and_update_resource = parse_and_update_resource
    resource_map.build_resource_diff = build_resource_diff
    resource_map.update = update


@patch("changeset-lists-parameter-changes")
def patch_changeset_lists_parameter_changes():
    cfn_models, _ = _cfn()
    change_set = need(cfn_models, "ChangeSet")
    change = need(cfn_models, "Change")
    original_diff = need(change_set, "diff")
    need_params(original_diff, "self")
    need_params(change.__init__, "self", "action", "logical_resource_id", "resource_type")
    always_replaced = {"AWS::Lambda::Version", "AWS::Lambda::Permission"}

    def parameter_value(value):
        return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)

    @functools.wraps(original_diff)
    def diff(self):
        changes = original_diff(self)
        try:
            if self.change_set_type != "UPDATE":
                return changes
            resource_map = self.stack.resource_map
            old_resources = getattr(resource_map, "_resource_json_map", {}) or {}
            new_resources = self.template_dict.get("Resources") or {}
            declared = self.template_dict.get("Parameters") or {}
            old_values = getattr(resource_map, "resolved_parameters", {}) or {}
            changed = set()
            for name, slot in declared.items():
                new = self.parameters.get(name, slot.get("Default"))
                if name not in old_values or new is None:
                    continue
                if parameter_value(new) != parameter_value(old_values[name]):
                    changed.add(name)
            listed = {c.logical_resource_id for c in changes}
            modified = {c.logical_resource_id for c in changes if c.action == "Modify"}
            order = dependency_order(new_resources)
            for _ in range(len(order) + 1):
                grew = False
                triggers = changed | {
                    n for n in modified if new_resources.get(n, {}).get("Type") in always_replaced
                }
                for name in order:
                    if name in listed or name not in old_resources:
                        continue
                    if template_references(new_resources[name]) & triggers:
                        changes.append(change("Modify", name, new_resources[name]["Type"]))
                        listed.add(name)
                        modified.add(name)
                        grew = True
                if not grew:
                    break
        except Exception as e:  # noqa: BLE001
            warn_runtime("changeset-lists-parameter-changes", e)
        return changes

    change_set.diff = diff


# ---------------------------------------------------------------- main


def apply_patches():
    skip = {s.strip() for s in os.environ.get("LGR_MOTO_SKIP_PATCHES", "").split(",") if s.strip()}
    for name, function in _PATCHES:
        if "all" in skip or name in skip:
            _SKIPPED.append(name)
            log(f"patch {name} skipped (LGR_MOTO_SKIP_PATCHES)")
            continue
        try:
            function()
            _APPLIED.append(name)
        except PatchUnsupported as e:
            _SKIPPED.append(name)
            log(f"WARNING: patch {name} not applied: {e}; moto's own behaviour stays")
        except Exception as e:  # noqa: BLE001
            _SKIPPED.append(name)
            log(
                f"WARNING: patch {name} not applied ({type(e).__name__}: {e}); moto's own"
                " behaviour stays\n" + traceback.format_exc()
            )
    return _APPLIED, _SKIPPED


def main(argv=None):
    try:
        import moto
        import moto.server
    except ImportError as e:
        log(f"ERROR: moto server is not installed ({e}): pip install 'moto[server]'")
        return 1
    version = getattr(moto, "__version__", "unknown")
    if version != TESTED_MOTO:
        log(
            f"WARNING: moto {version}; these patches were written against {TESTED_MOTO}"
            " (each checks what it needs and is skipped if that is missing)"
        )
    applied, skipped = apply_patches()
    log(
        f"moto {version}; patches applied: {', '.join(applied) or 'none'}"
        + (f"; not applied: {', '.join(skipped)}" if skipped else "")
    )
    moto.server.main(sys.argv[1:] if argv is None else argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
