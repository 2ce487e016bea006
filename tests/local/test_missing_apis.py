"""The APIs the emulator adds to moto (pipelines_src/local/missing_apis.py), as the AWS provider
calls them: what is created is read back as given, an unknown resource is AWS's own error code
(the provider's delete waiters take it for "gone"). The modules' applies are in tests/e2e."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from pipelines_src.local import emulator

ACCOUNT = "123456789012"
NOTIFICATION = {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0}


def test_budget_subscribers_and_tags(local_emulator: emulator.Emulator) -> None:
    budgets = local_emulator.client("budgets")
    subscriber = {"SubscriptionType": "SNS", "Address": f"arn:aws:sns:eu-central-1:{ACCOUNT}:alerts"}
    budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "b1",
            "BudgetType": "COST",
            "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "5", "Unit": "USD"},
        },
        NotificationsWithSubscribers=[{"Notification": NOTIFICATION, "Subscribers": [subscriber]}],
        ResourceTags=[{"Key": "owner", "Value": "team"}],
    )
    found = budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName="b1", Notification=NOTIFICATION)
    assert found["Subscribers"] == [subscriber]
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/b1"
    assert budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"] == [{"Key": "owner", "Value": "team"}]


def test_anomaly_monitor_and_subscription_round_trip(local_emulator: emulator.Emulator) -> None:
    ce = local_emulator.client("ce")
    spec = {"Tags": {"Key": "cost-center", "Values": ["cc-1"], "MatchOptions": ["EQUALS"]}}
    monitor = ce.create_anomaly_monitor(
        AnomalyMonitor={"MonitorName": "m1", "MonitorType": "CUSTOM", "MonitorSpecification": spec},
        ResourceTags=[{"Key": "owner", "Value": "team"}],
    )["MonitorArn"]
    assert monitor.startswith(f"arn:aws:ce::{ACCOUNT}:anomalymonitor/")
    (read,) = ce.get_anomaly_monitors(MonitorArnList=[monitor])["AnomalyMonitors"]
    assert (read["MonitorName"], read["MonitorSpecification"]) == ("m1", spec)
    assert ce.list_tags_for_resource(ResourceArn=monitor)["ResourceTags"] == [{"Key": "owner", "Value": "team"}]
    subscription = ce.create_anomaly_subscription(
        AnomalySubscription={
            "SubscriptionName": "s1",
            "MonitorArnList": [monitor],
            "Subscribers": [{"Type": "SNS", "Address": f"arn:aws:sns:eu-central-1:{ACCOUNT}:alerts"}],
            "Frequency": "IMMEDIATE",
        }
    )["SubscriptionArn"]
    ce.update_anomaly_subscription(SubscriptionArn=subscription, Frequency="DAILY")
    (sub,) = ce.get_anomaly_subscriptions(MonitorArn=monitor)["AnomalySubscriptions"]
    assert (sub["Frequency"], sub["AccountId"]) == ("DAILY", ACCOUNT)
    ce.delete_anomaly_subscription(SubscriptionArn=subscription)
    ce.delete_anomaly_monitor(MonitorArn=monitor)
    assert ce.get_anomaly_monitors(MonitorArnList=[monitor])["AnomalyMonitors"] == []


def test_studio_lifecycle_configs_user_profiles_and_domain_ids(local_emulator: emulator.Emulator) -> None:
    sm = local_emulator.client("sagemaker")
    config = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName="env",
        StudioLifecycleConfigContent="IyEvYmluL2Jhc2g=",
        StudioLifecycleConfigAppType="JupyterLab",
        Tags=[{"Key": "owner", "Value": "team"}],
    )["StudioLifecycleConfigArn"]
    assert (
        sm.describe_studio_lifecycle_config(StudioLifecycleConfigName="env")["StudioLifecycleConfigContent"]
        == "IyEvYmluL2Jhc2g="
    )
    assert sm.list_tags(ResourceArn=config)["Tags"] == [{"Key": "owner", "Value": "team"}]
    with pytest.raises(ClientError, match="Domain d-unknown does not exist"):
        sm.create_user_profile(DomainId="d-unknown", UserProfileName="alice")
    domain = sm.create_domain(
        DomainName="probe",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{ACCOUNT}:role/x"},
        SubnetIds=["subnet-1"],
        VpcId="vpc-1",
        TagPropagation="ENABLED",
    )["DomainArn"].rsplit("/", 1)[-1]
    assert sm.describe_domain(DomainId=domain)["TagPropagation"] == "ENABLED"
    role = f"arn:aws:iam::{ACCOUNT}:role/x"
    sm.create_user_profile(DomainId=domain, UserProfileName="alice", UserSettings={"ExecutionRole": role})
    assert sm.describe_user_profile(DomainId=domain, UserProfileName="alice")["Status"] == "InService"
    assert [p["UserProfileName"] for p in sm.list_user_profiles(DomainIdEquals=domain)["UserProfiles"]] == ["alice"]
    sm.delete_user_profile(DomainId=domain, UserProfileName="alice")
    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName="env")
    sm.delete_domain(DomainId=domain)
    gone: list[tuple[str, dict[str, str]]] = [
        ("describe_user_profile", {"DomainId": domain, "UserProfileName": "alice"}),
        ("describe_studio_lifecycle_config", {"StudioLifecycleConfigName": "env"}),
        ("describe_domain", {"DomainId": domain}),
    ]
    for operation, arguments in gone:
        with pytest.raises(ClientError) as error:
            getattr(sm, operation)(**arguments)
        assert error.value.response["Error"]["Code"] == "ResourceNotFound", operation
