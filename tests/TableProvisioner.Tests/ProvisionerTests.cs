using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace TableProvisioner.Tests;

/// <summary>The function end to end: a fake S3 Tables endpoint and a fake ResponseURL on 127.0.0.1.</summary>
public sealed class ProvisionerTests : IDisposable
{
    private const string Bucket = "arn:aws:s3tables:us-east-1:111122223333:bucket/lake";
    private static readonly TableContract s_contract = TableContract.LoadEmbedded();

    private const string FirehoseRole = "arn:aws:iam::111122223333:role/lake-FirehoseRole-ABC";

    private readonly FakeS3Tables _s3Tables = new();
    private readonly FakeLakeFormation _lakeFormation = new();
    private readonly FakeResponseReceiver _cloudFormation = new();
    private readonly StringWriter _log = new();

    public void Dispose()
    {
        _s3Tables.Dispose();
        _lakeFormation.Dispose();
        _cloudFormation.Dispose();
    }

    private Function NewFunction(double deadlineSeconds = 20, Uri? endpoint = null) => new(
        new ProvisionerSettings { Deadline = TimeSpan.FromSeconds(deadlineSeconds), EndpointOverride = endpoint ?? _s3Tables.Endpoint, LakeFormationEndpointOverride = _lakeFormation.Endpoint },
        new HttpClient { Timeout = TimeSpan.FromSeconds(2) },
        _ => Task.FromResult(FakeS3Tables.Credentials),
        TimeProvider.System,
        _log,
        retryBaseDelay: TimeSpan.FromMilliseconds(5));

    private string Request(string type, string table = "transactions", string? physicalId = null, string? deleteOnStackDelete = null, string ns = "analytics", string? oldTable = null, string? principal = null, string? oldPrincipal = null)
    {
        var properties = new JsonObject { ["ServiceToken"] = "arn:aws:lambda:us-east-1:111122223333:function:provisioner", ["TableBucketARN"] = Bucket, ["Namespace"] = ns, ["TableName"] = table };
        if (principal is not null)
        {
            properties["CatalogAccessMode"] = "LakeFormation";
            properties["LakeFormationPrincipal"] = principal;
        }

        if (deleteOnStackDelete is not null)
        {
            properties["DeleteTableOnStackDelete"] = deleteOnStackDelete;
        }

        var request = new JsonObject
        {
            ["RequestType"] = type,
            ["ResponseURL"] = _cloudFormation.Url.ToString(),
            ["StackId"] = "arn:aws:cloudformation:us-east-1:111122223333:stack/lake/guid",
            ["RequestId"] = Guid.NewGuid().ToString(),
            ["ResourceType"] = "Custom::IcebergTable",
            ["LogicalResourceId"] = "TransactionsTable",
            ["ResourceProperties"] = properties,
        };
        if (physicalId is not null)
        {
            request["PhysicalResourceId"] = physicalId;
        }

        if (oldTable is not null || oldPrincipal is not null)
        {
            var old = (JsonObject)properties.DeepClone();
            old["TableName"] = oldTable ?? table;
            if (oldPrincipal is not null)
            {
                old["CatalogAccessMode"] = "LakeFormation";
                old["LakeFormationPrincipal"] = oldPrincipal;
            }

            request["OldResourceProperties"] = old;
        }

        return request.ToJsonString();
    }

    private static string IdOf(string table, string ns = "analytics") => $"{Bucket}/{ns}/{table}";

    // A request for the Custom::LakeFormationAdmin resource, which names the provisioner's role.
    private string AdminRequest(string type, string admin, string? oldAdmin = null, bool physicalId = true)
    {
        var request = new JsonObject
        {
            ["RequestType"] = type,
            ["ResponseURL"] = _cloudFormation.Url.ToString(),
            ["StackId"] = "arn:aws:cloudformation:us-east-1:111122223333:stack/lake/guid",
            ["RequestId"] = Guid.NewGuid().ToString(),
            ["ResourceType"] = "Custom::LakeFormationAdmin",
            ["LogicalResourceId"] = "ProvisionerLakeFormationAdminCleanup",
            ["ResourceProperties"] = new JsonObject { ["ServiceToken"] = "arn:aws:lambda:us-east-1:111122223333:function:provisioner", ["TableBucketARN"] = Bucket, ["LakeFormationAdmin"] = admin },
        };
        if (physicalId && type != "Create")
        {
            request["PhysicalResourceId"] = $"lakeformation-admin:{oldAdmin ?? admin}";
        }

        if (oldAdmin is not null)
        {
            request["OldResourceProperties"] = new JsonObject { ["ServiceToken"] = "arn:aws:lambda:us-east-1:111122223333:function:provisioner", ["TableBucketARN"] = Bucket, ["LakeFormationAdmin"] = oldAdmin };
        }

        return request.ToJsonString();
    }

    private async Task<JsonElement> Invoke(Function function, string request)
    {
        using var response = await function.FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(request)));
        var delivered = _cloudFormation.Delivered();
        Assert.All(_cloudFormation.Requests, r => Assert.True(r.Method == "PUT" && string.IsNullOrEmpty(r.ContentType), $"{r.Method} with Content-Type '{r.ContentType}'"));
        Assert.All(_cloudFormation.Requests, r => Assert.True(Encoding.UTF8.GetByteCount(r.Body) <= 4096));
        Assert.Equal(0, _s3Tables.SignatureFailures);
        Assert.Equal(0, _lakeFormation.SignatureFailures);
        return delivered;
    }

    [Fact]
    public async Task Create_NewTable_SendsSuccessWithTheContractsSchema()
    {
        var request = Request("Create");

        var response = await Invoke(NewFunction(), request);

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(IdOf("transactions"), response.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal("TransactionsTable", response.GetProperty("LogicalResourceId").GetString());
        Assert.Equal(JsonNode.Parse(request)!["RequestId"]!.GetValue<string>(), response.GetProperty("RequestId").GetString());
        var data = response.GetProperty("Data");
        Assert.StartsWith(Bucket + "/table/", data.GetProperty("TableARN").GetString(), StringComparison.Ordinal);
        Assert.Equal("v1", data.GetProperty("VersionToken").GetString());
        Assert.False(string.IsNullOrEmpty(data.GetProperty("WarehouseLocation").GetString()));

        var stored = _s3Tables.Table(Bucket, "analytics", "transactions")!;
        var expected = JsonNode.Parse(IcebergSchema.CreateTableRequest(s_contract, "transactions"))!["metadata"]!["iceberg"]!["schemaV2"]!;
        Assert.True(JsonNode.DeepEquals(expected, stored), stored.ToJsonString());
        Assert.Equal(["CreateNamespace", "CreateTable", "GetTable"], _s3Tables.Operations);
        Assert.Contains("\"status\":\"SUCCESS\"", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_RetriedForTheSameTable_SucceedsWithTheSameId()
    {
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create"))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(IdOf("transactions"), response.GetProperty("PhysicalResourceId").GetString());
        Assert.Contains("already exists and matches the contract", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ExistingTableWithAnotherSchema_FailsListingTheColumns()
    {
        var drifted = JsonNode.Parse(IcebergSchema.CreateTableRequest(s_contract, "transactions"))!["metadata"]!["iceberg"]!["schemaV2"]!.DeepClone().AsObject();
        drifted["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "amount")!["type"] = "double";
        _s3Tables.PutTable(Bucket, "analytics", "transactions", drifted);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("column 'amount': table has double, contract has decimal(12,2)", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("failed-", response.GetProperty("PhysicalResourceId").GetString(), StringComparison.Ordinal); // the rollback's Delete must not touch that table
    }

    [Fact]
    public async Task Update_NewTableName_CreatesANewTableWithANewId()
    {
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create"))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Update", table: "transactions_v2", physicalId: IdOf("transactions"), oldTable: "transactions"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(IdOf("transactions_v2"), response.GetProperty("PhysicalResourceId").GetString());
        Assert.NotNull(_s3Tables.Table(Bucket, "analytics", "transactions_v2"));
        Assert.NotNull(_s3Tables.Table(Bucket, "analytics", "transactions")); // CloudFormation deletes the old one next
    }

    [Fact]
    public async Task Update_SameTableWhoseSchemaDrifted_FailsWithTheDifferencesAndKeepsTheId()
    {
        var drifted = JsonNode.Parse(IcebergSchema.CreateTableRequest(s_contract, "transactions"))!["metadata"]!["iceberg"]!["schemaV2"]!.DeepClone().AsObject();
        drifted["fields"]!.AsArray().RemoveAt(2);
        _s3Tables.PutTable(Bucket, "analytics", "transactions", drifted);

        var response = await Invoke(NewFunction(), Request("Update", physicalId: IdOf("transactions"), oldTable: "transactions"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Equal(IdOf("transactions"), response.GetProperty("PhysicalResourceId").GetString());
        Assert.Contains($"column '{s_contract.Columns.Columns[2].Name}' is in the contract but not in the table", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_ByDefault_RetainsTheTable()
    {
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create"))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Delete", physicalId: IdOf("transactions")));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains("retained", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.NotNull(_s3Tables.Table(Bucket, "analytics", "transactions"));
    }

    [Fact]
    public async Task Delete_WhenAsked_DeletesTheTable()
    {
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create"))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Delete", physicalId: IdOf("transactions"), deleteOnStackDelete: "true"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Null(_s3Tables.Table(Bucket, "analytics", "transactions"));
    }

    [Fact]
    public async Task Delete_OfAResourceThatWasNeverCreated_SucceedsWithoutCallingS3Tables()
    {
        var response = await Invoke(NewFunction(), Request("Delete", physicalId: "failed-1234", deleteOnStackDelete: "true"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal("failed-1234", response.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal(0, _s3Tables.Requests);
    }

    [Theory]
    [InlineData("CreateTable", FakeS3Tables.FaultKind.ServerError, "HTTP 500 InternalServerErrorException")]
    [InlineData("CreateNamespace", FakeS3Tables.FaultKind.Throttle, "HTTP 429 TooManyRequestsException")]
    [InlineData("GetTable", FakeS3Tables.FaultKind.MalformedJson, "MalformedResponse")]
    public async Task Create_PersistentFault_SendsFailedWithTheCause(string operation, FakeS3Tables.FaultKind fault, string cause)
    {
        _s3Tables.Fail(operation, fault);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains($"{operation} failed", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(cause, response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("failed-", response.GetProperty("PhysicalResourceId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TransientFaults_AreRetriedToSuccess()
    {
        _s3Tables.Fail("CreateNamespace", FakeS3Tables.FaultKind.Throttle, times: 2);
        _s3Tables.Fail("CreateTable", FakeS3Tables.FaultKind.ServerError, times: 2);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(3, _s3Tables.Operations.Count(o => o == "CreateTable"));
    }

    [Fact]
    public async Task Create_EndpointThatNeverAnswers_SendsFailedBeforeTheDeadline()
    {
        _s3Tables.Fail("CreateTable", FakeS3Tables.FaultKind.Hang);
        var watch = Stopwatch.StartNew();

        var response = await Invoke(NewFunction(deadlineSeconds: 4), Request("Create"));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"answered after {watch.Elapsed}");
        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("CreateTable", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_ConnectionRefused_SendsFailedNamingTheNetworkError()
    {
        var closed = new Uri($"http://127.0.0.1:{FakeHttpServer.ClosedPort()}/");

        var response = await Invoke(NewFunction(endpoint: closed), Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("CreateNamespace failed: NetworkError", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"RequestType":"Create","ResourceProperties":{"TableBucketARN":"not-an-arn","Namespace":"Bad-Name","TableName":"t"}""", "TableBucketARN must be a table bucket ARN")]
    [InlineData("""{"RequestType":"Create","ResourceProperties":{"TableBucketARN":"arn:aws:s3tables:us-east-1:111122223333:bucket/lake","Namespace":"Bad-Name","TableName":"t"}""", "Namespace must be 1-255 lowercase letters")]
    [InlineData("""{"RequestType":"Create","ResourceProperties":{"TableBucketARN":"arn:aws:s3tables:us-east-1:111122223333:bucket/lake","Namespace":"a","TableName":"t","DeleteTableOnStackDelete":"yes"}""", "DeleteTableOnStackDelete must be")]
    [InlineData("""{"RequestType":"Destroy","ResourceProperties":{}""", "unknown RequestType 'Destroy'")]
    [InlineData("""{"RequestType":"Create","ResourceProperties":["not","an","object"]""", "malformed request")]
    public async Task MalformedRequest_SendsFailedNamingTheProblem(string start, string problem)
    {
        var request = start + $$""","ResponseURL":"{{_cloudFormation.Url}}","StackId":"s","RequestId":"r","LogicalResourceId":"L"}""";

        var response = await Invoke(NewFunction(), request);

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains(problem, response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("L", response.GetProperty("LogicalResourceId").GetString());
    }

    [Fact]
    public async Task Request_WithoutResponseUrl_ThrowsBecauseNobodyCanBeAnswered()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewFunction().FunctionHandler(new MemoryStream("""{"RequestType":"Create"}"""u8.ToArray())));

        Assert.Contains("ResponseURL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponsePut_FailingTwice_IsRetriedUntilDelivered()
    {
        _cloudFormation.FailNext(2);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(3, _cloudFormation.Requests.Count);
    }

    [Fact]
    public void ResponseBody_WithAHugeReason_IsCutTo4096Bytes()
    {
        var body = ResponseSender.Body(new CustomResourceResponse
        {
            Status = "FAILED",
            Reason = string.Concat(Enumerable.Repeat("column 'é' differs; ", 1_000)),
            PhysicalResourceId = IdOf("transactions"),
            StackId = "s",
            RequestId = "r",
            LogicalResourceId = "l",
        });

        Assert.InRange(body.Length, 3_500, 4_096);
        using var parsed = JsonDocument.Parse(body);
        Assert.EndsWith("(cut to fit 4096 bytes)", parsed.RootElement.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PinsIcebergFormatVersion2_TheOnlyOneFirehoseWrites()
    {
        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal("2", _s3Tables.LastCreateTable!["metadata"]!["iceberg"]!["properties"]!["format-version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_ExistingTableOfFormatVersion1_FailsNamingTheVersion()
    {
        var schema = JsonNode.Parse(IcebergSchema.CreateTableRequest(s_contract, "transactions"))!["metadata"]!["iceberg"]!["schemaV2"]!.DeepClone().AsObject();
        _s3Tables.PutTable(Bucket, "analytics", "transactions", schema);
        _s3Tables.FormatVersion = 1;

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("format-version: table has 1, Firehose writes only 2", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NamespaceNotFoundRightAfterCreatingIt_IsRetriedWithinTheDeadline()
    {
        _s3Tables.Fail("CreateTable", FakeS3Tables.FaultKind.NotFound, times: 3);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(4, _s3Tables.Operations.Count(o => o == "CreateTable"));
    }

    [Fact]
    public async Task Create_NamespaceNeverFound_FailsWithS3TablesMessageAfterTheRetries()
    {
        _s3Tables.Fail("CreateTable", FakeS3Tables.FaultKind.NotFound);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("CreateTable failed: HTTP 404 NotFoundException: The specified namespace does not exist.", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(S3TablesClient.NamespaceNotFoundAttempts, _s3Tables.Operations.Count(o => o == "CreateTable"));
    }

    [Fact]
    public async Task Create_InLakeFormationMode_GrantsFirehosesRoleOnTheS3TablesCatalogTable()
    {
        var response = await Invoke(NewFunction(), Request("Create", principal: FirehoseRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains("Lake Formation: granted", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        var requests = _lakeFormation.Requests.ToList();
        Assert.Equal(["GrantPermissions", "GrantPermissions"], requests.Select(r => r.Operation));
        var database = requests[0].Body;
        Assert.Equal(FirehoseRole, database["Principal"]!["DataLakePrincipalIdentifier"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"Database":{"CatalogId":"111122223333:s3tablescatalog/lake","Name":"analytics"}}"""), database["Resource"]), database.ToJsonString());
        Assert.Equal(["DESCRIBE"], database["Permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        var table = requests[1].Body;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"Table":{"CatalogId":"111122223333:s3tablescatalog/lake","DatabaseName":"analytics","Name":"transactions"}}"""), table["Resource"]), table.ToJsonString());
        Assert.Equal(["ALL"], table["Permissions"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Empty(table["PermissionsWithGrantOption"]!.AsArray());
        Assert.Equal(2, _lakeFormation.Grants.Count);
    }

    [Fact]
    public async Task Create_InIamMode_CallsNoLakeFormation()
    {
        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Empty(_lakeFormation.Requests);
    }

    [Fact]
    public async Task Create_GrantRefusedByLakeFormation_SendsFailedWithLakeFormationsMessage()
    {
        _lakeFormation.RefuseGrantsWith = "Insufficient Lake Formation permission(s): Required Grant on analytics";

        var response = await Invoke(NewFunction(), Request("Create", principal: FirehoseRole));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("GrantPermissions failed: HTTP 400 AccessDeniedException: Insufficient Lake Formation permission(s): Required Grant on analytics", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("failed-", response.GetProperty("PhysicalResourceId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TableGrantRefusedAfterTheNamespaceGrant_TakesBackTheHalfGrant()
    {
        _lakeFormation.RefuseTableGrantsWith = "Insufficient Lake Formation permission(s) on transactions";

        var response = await Invoke(NewFunction(), Request("Create", principal: FirehoseRole));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("on transactions", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(_lakeFormation.Grants);
    }

    [Fact]
    public async Task Update_TableGrantRefused_LeavesTheNamespaceGrantThatMayPredateIt()
    {
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create", principal: FirehoseRole))));
        _cloudFormation.Requests.Clear();
        _lakeFormation.RefuseTableGrantsWith = "throttled for good";

        var response = await Invoke(NewFunction(), Request("Update", physicalId: IdOf("transactions"), principal: FirehoseRole, oldPrincipal: FirehoseRole));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Equal(2, _lakeFormation.Grants.Count); // Firehose keeps its access while CloudFormation rolls back
    }

    [Fact]
    public async Task Create_LakeFormationModeWithoutAPrincipal_FailsNamingTheProperty()
    {
        var request = JsonNode.Parse(Request("Create"))!;
        request["ResourceProperties"]!["CatalogAccessMode"] = "LakeFormation";

        var response = await Invoke(NewFunction(), request.ToJsonString());

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("LakeFormationPrincipal must be an IAM role or user ARN", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(_lakeFormation.Requests);
    }

    [Fact]
    public async Task Delete_InLakeFormationMode_RevokesTheGrantAndRetainsTheTable()
    {
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create", principal: FirehoseRole))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Delete", physicalId: IdOf("transactions"), principal: FirehoseRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains("Lake Formation grant to " + FirehoseRole + " revoked", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(_lakeFormation.Grants);
        Assert.NotNull(_s3Tables.Table(Bucket, "analytics", "transactions"));
    }

    private const string ProvisionerRole = "arn:aws:iam::111122223333:role/lake-TableProvisionerFunctionRole-ABC";

    [Fact]
    public async Task AdminResource_Delete_TakesTheRoleOutOfTheAdministrators_AndKeepsTheRestOfTheSettings()
    {
        const string person = "arn:aws:iam::111122223333:role/DataLakeAdmin";
        _lakeFormation.Settings = new JsonObject
        {
            ["DataLakeAdmins"] = new JsonArray(new JsonObject { ["DataLakePrincipalIdentifier"] = person }, new JsonObject { ["DataLakePrincipalIdentifier"] = ProvisionerRole }),
            ["CreateDatabaseDefaultPermissions"] = new JsonArray(),
            ["Parameters"] = new JsonObject { ["CROSS_ACCOUNT_VERSION"] = "4" },
        };
        var created = await Invoke(NewFunction(), AdminRequest("Create", ProvisionerRole));
        _cloudFormation.Requests.Clear();
        Assert.Equal("SUCCESS", created.GetProperty("Status").GetString());
        Assert.Equal(2, _lakeFormation.Settings["DataLakeAdmins"]!.AsArray().Count); // Create changes nothing

        var response = await Invoke(NewFunction(), AdminRequest("Delete", ProvisionerRole));
        _cloudFormation.Requests.Clear();
        var again = await Invoke(NewFunction(), AdminRequest("Delete", ProvisionerRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains($"{ProvisionerRole} removed from the data lake administrators", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal($$$"""{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":"{{{person}}}"}],"CreateDatabaseDefaultPermissions":[],"Parameters":{"CROSS_ACCOUNT_VERSION":"4"}}""", _lakeFormation.Settings.ToJsonString());
        Assert.Equal("SUCCESS", again.GetProperty("Status").GetString());
        Assert.Contains("was not among the data lake administrators", again.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTablesReplacement_LeavesTheAdministratorsAlone()
    {
        // An Update that renames the table makes CloudFormation delete the old table resource afterwards; the
        // provisioner must still be an administrator then, to grant and revoke on later updates and the stack delete.
        _lakeFormation.Settings = new JsonObject { ["DataLakeAdmins"] = new JsonArray(new JsonObject { ["DataLakePrincipalIdentifier"] = ProvisionerRole }) };
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create", principal: FirehoseRole))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Delete", physicalId: IdOf("transactions"), principal: FirehoseRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Single(_lakeFormation.Settings["DataLakeAdmins"]!.AsArray());
        Assert.DoesNotContain(_lakeFormation.Requests, r => r.Operation == "PutDataLakeSettings");
    }

    [Fact]
    public async Task AdminResource_UpdateToAnotherRole_RemovesTheOldOne()
    {
        const string newRole = "arn:aws:iam::111122223333:role/lake-TableProvisionerFunctionRole-NEW";
        _lakeFormation.Settings = new JsonObject { ["DataLakeAdmins"] = new JsonArray(new JsonObject { ["DataLakePrincipalIdentifier"] = ProvisionerRole }, new JsonObject { ["DataLakePrincipalIdentifier"] = newRole }) };

        var response = await Invoke(NewFunction(), AdminRequest("Update", newRole, oldAdmin: ProvisionerRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal($"lakeformation-admin:{newRole}", response.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal(newRole, Assert.Single(_lakeFormation.Settings["DataLakeAdmins"]!.AsArray())!["DataLakePrincipalIdentifier"]!.GetValue<string>());
    }

    [Fact]
    public async Task AdminResource_DeleteRefused_StillSucceeds_AndSaysWhatToRemoveByHand()
    {
        _lakeFormation.Settings = new JsonObject { ["DataLakeAdmins"] = new JsonArray(new JsonObject { ["DataLakePrincipalIdentifier"] = ProvisionerRole }) };
        _lakeFormation.RefuseSettingsWith = "Insufficient Lake Formation permission(s)";

        var response = await Invoke(NewFunction(), AdminRequest("Delete", ProvisionerRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains("could not be removed from the data lake administrators", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("put-data-lake-settings", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_InLakeFormationModeWithTheGrantAlreadyGone_StillSucceeds()
    {
        var response = await Invoke(NewFunction(), Request("Delete", physicalId: IdOf("transactions"), principal: FirehoseRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains("no Lake Formation grant was left to revoke", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_NewPrincipalOnTheSameTable_GrantsTheNewAndRevokesTheOld()
    {
        const string newRole = "arn:aws:iam::111122223333:role/lake-FirehoseRole-NEW";
        await NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create", principal: FirehoseRole))));
        _cloudFormation.Requests.Clear();

        var response = await Invoke(NewFunction(), Request("Update", physicalId: IdOf("transactions"), principal: newRole, oldPrincipal: FirehoseRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(IdOf("transactions"), response.GetProperty("PhysicalResourceId").GetString());
        Assert.All(_lakeFormation.Grants, g => Assert.StartsWith(newRole + "|", g, StringComparison.Ordinal));
        Assert.Equal(2, _lakeFormation.Grants.Count);
    }

    private Function FunctionFromEnvironment(Dictionary<string, string> environment) => new(
        name => environment.TryGetValue(name, out var value) ? value : name == "AWS_ENDPOINT_URL_S3TABLES" ? _s3Tables.Endpoint.ToString() : null,
        new HttpClient { Timeout = TimeSpan.FromSeconds(2) },
        _ => Task.FromResult(FakeS3Tables.Credentials),
        TimeProvider.System,
        _log,
        retryBaseDelay: TimeSpan.FromMilliseconds(5));

    [Theory]
    [InlineData("DEADLINE_SECONDS", "soon")]
    [InlineData("DEADLINE_SECONDS", "0.5")]
    [InlineData("AWS_ENDPOINT_URL_S3TABLES", "not a url")]
    [InlineData("AWS_ENDPOINT_URL_LAKEFORMATION", "ftp://example.com")]
    public async Task BadConfiguration_IsAnsweredAsFailedNamingTheVariable_NotAConstructorThatNeverAnswers(string variable, string value)
    {
        var function = FunctionFromEnvironment(new() { [variable] = value });

        var response = await Invoke(function, Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains($"misconfigured: {variable} is \"{value}\"", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _s3Tables.Requests);
        Assert.Contains("\"configurationProblem\"", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contract_IsTheFileCONTRACTNames_InTheTableItCreates()
    {
        using var folder = new TempFolder("dynamolake-contract-");
        var file = Path.Combine(folder.Path, "mine.json");
        var sample = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "schema", "transactions.json")))!.AsObject();
        sample["columns"]!.AsArray().Add(new JsonObject { ["name"] = "loyalty_tier", ["type"] = "string" });
        File.WriteAllText(file, sample.ToJsonString());
        var function = FunctionFromEnvironment(new() { ["DEADLINE_SECONDS"] = "20", ["CONTRACT"] = file });

        var response = await Invoke(function, Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Contains("loyalty_tier", _s3Tables.LastCreateTable!.ToJsonString(), StringComparison.Ordinal);
    }

    // The template of a set sets CONTRACT to every file; each Custom::IcebergTable names its contract's table.
    private static string SetOfTwo => string.Join(',', new[] { "shop-orders.json", "shop-customers.json" }.Select(f => Path.Combine(RepoPaths.Root, "examples", f)));

    [Theory]
    [InlineData("shop_customers", "credit_limit", "order_id")]
    [InlineData("shop_orders", "order_id", "credit_limit")]
    public async Task ASetOfContracts_EachResourceMakesTheTableOfTheContractItNames(string table, string column, string otherColumn)
    {
        var function = FunctionFromEnvironment(new() { ["DEADLINE_SECONDS"] = "20", ["CONTRACT"] = SetOfTwo });

        var response = await Invoke(function, Request("Create", table: table));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        var created = _s3Tables.LastCreateTable!.ToJsonString();
        Assert.Contains($"\"{column}\"", created, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"{otherColumn}\"", created, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASetOfContracts_AResourceNamingATableOfNone_FailsNamingTheContracts()
    {
        var function = FunctionFromEnvironment(new() { ["DEADLINE_SECONDS"] = "20", ["CONTRACT"] = SetOfTwo });

        var response = await Invoke(function, Request("Create", table: "transactions"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("no contract writes the table transactions", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("(table shop_customers)", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _s3Tables.Requests);
    }

    [Theory]
    [InlineData("contracts/none.json", "contracts/none.json: no such contract file in the package")]
    [InlineData("BROKEN", "not valid JSON")]
    public async Task Contract_MissingOrInvalid_IsAnsweredAsFailedNamingTheFile(string contract, string reason)
    {
        using var folder = new TempFolder("dynamolake-contract-");
        if (contract == "BROKEN")
        {
            contract = Path.Combine(folder.Path, "broken.json");
            File.WriteAllText(contract, "{\"table\": ");
        }

        var function = FunctionFromEnvironment(new() { ["DEADLINE_SECONDS"] = "20", ["CONTRACT"] = contract });

        var response = await Invoke(function, Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("misconfigured: " + (reason.StartsWith("contracts/", StringComparison.Ordinal) ? reason : contract + ": " + reason), response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _s3Tables.Requests);
    }

    [Fact]
    public async Task LambdaConstructorPath_WithAGoodEnvironment_Provisions()
    {
        var function = FunctionFromEnvironment(new() { ["DEADLINE_SECONDS"] = "20", ["AWS_ENDPOINT_URL_LAKEFORMATION"] = _lakeFormation.Endpoint.ToString() });

        var response = await Invoke(function, Request("Create", principal: FirehoseRole));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(2, _lakeFormation.Grants.Count);
        _ = new Function(); // the runtime's constructor reads this process's environment and must not throw
    }

    [Fact]
    public async Task UnexpectedResponseShape_TheBugPath_StillAnswersFailed()
    {
        _s3Tables.Fail("GetTable", FakeS3Tables.FaultKind.WrongShape);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("FAILED", response.GetProperty("Status").GetString());
        Assert.Contains("unexpected InvalidOperationException during GetTable", response.GetProperty("Reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseUrlThatAcceptsAndNeverReplies_IsTriedAgainWithinTheDeadline_EachAttemptLogged()
    {
        _cloudFormation.HangNext(1);
        var started = Stopwatch.StartNew();

        var response = await Invoke(NewFunction(deadlineSeconds: 6), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(6), $"{started.Elapsed}");
        var attempts = _log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Where(l => l["message"]!.GetValue<string>() == "response attempt").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.StartsWith("no answer from the ResponseURL within", attempts[0]["result"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("delivered", attempts[1]["result"]!.GetValue<string>());
    }

    [Fact]
    public async Task ResponsePut_408And429_AreRetried_A403IsNot()
    {
        _cloudFormation.AnswerNextWith(408, 429);

        var response = await Invoke(NewFunction(), Request("Create"));

        Assert.Equal("SUCCESS", response.GetProperty("Status").GetString());
        Assert.Equal(3, _cloudFormation.Requests.Count);

        _cloudFormation.Requests.Clear();
        _cloudFormation.AnswerNextWith(403);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(Request("Create")))));
        Assert.Contains("HTTP 403 from the ResponseURL", error.Message, StringComparison.Ordinal);
        Assert.Single(_cloudFormation.Requests);
    }

    [Fact]
    public async Task ResponseUrlRefusingConnections_IsTriedFiveTimes_ThenTheInvocationFailsNamingIt()
    {
        var closed = new Uri($"http://127.0.0.1:{FakeHttpServer.ClosedPort()}/answer");
        var request = JsonNode.Parse(Request("Create"))!;
        request["ResponseURL"] = closed.ToString();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(request.ToJsonString()))));

        Assert.Contains("could not be delivered", error.Message, StringComparison.Ordinal);
        Assert.Contains("response (Reason: ", error.Message, StringComparison.Ordinal); // what it would have told CloudFormation
        Assert.Equal(5, _log.ToString().Split('\n').Count(l => l.Contains("\"response attempt\"", StringComparison.Ordinal)));
        Assert.Contains("\"custom resource answer not delivered\"", _log.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.com/answer", "scheme ftp is not http(s)")]
    [InlineData("not a url", "no valid ResponseURL")]
    public async Task ResponseUrlThatCannotBeAnswered_IsLoggedAsSuch(string url, string logged)
    {
        var request = JsonNode.Parse(Request("Create"))!;
        request["ResponseURL"] = url;

        await Assert.ThrowsAsync<InvalidOperationException>(() => NewFunction().FunctionHandler(new MemoryStream(Encoding.UTF8.GetBytes(request.ToJsonString()))));

        Assert.Contains(logged, _log.ToString(), StringComparison.Ordinal);
        Assert.Contains("custom resource not answered", _log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"custom resource answered\"", _log.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LogicalResourceId")]
    [InlineData("StackId")]
    [InlineData("RequestId")]
    public void ResponseBody_WithAnyHugeField_StaysWithin4096Bytes(string field)
    {
        var response = new CustomResourceResponse
        {
            Status = "FAILED",
            Reason = new string('r', 3000),
            PhysicalResourceId = "id",
            StackId = field == "StackId" ? new string('s', 9000) : "stack",
            RequestId = field == "RequestId" ? new string('q', 9000) : "request",
            LogicalResourceId = field == "LogicalResourceId" ? new string('l', 9000) : "logical",
            Data = new Dictionary<string, string> { ["TableARN"] = new string('d', 2000) },
        };

        var body = ResponseSender.Body(response);

        Assert.InRange(body.Length, 100, 4096);
        Assert.Equal("FAILED", JsonNode.Parse(body)!["Status"]!.GetValue<string>());
    }

    [Fact]
    public void Settings_DeadlineFromEnvironment_AndDefault60Seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), ProvisionerSettings.From(_ => null).Deadline);
        Assert.Equal(TimeSpan.FromSeconds(240), ProvisionerSettings.From(n => n == ProvisionerSettings.DeadlineVariable ? "240" : null).Deadline);
        Assert.Equal(new Uri("http://127.0.0.1:1/"), ProvisionerSettings.From(n => n == "AWS_ENDPOINT_URL_S3TABLES" ? "http://127.0.0.1:1/" : null).EndpointOverride);
    }
}
