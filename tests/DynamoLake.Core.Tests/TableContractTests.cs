using System.Text;
using DynamoLake.Core.Contract;
using DynamoLake.Testing;

namespace DynamoLake.Core.Tests;

public sealed class TableContractTests
{
    [Fact]
    public void EmbeddedContract_DeclaresTheTransactionsTable()
    {
        Assert.Equal("expires_at", TableContract.LoadEmbedded().TimeToLive?.Name);
        var contract = TableContract.LoadEmbedded();

        Assert.Equal("transactions", contract.Table);
        Assert.Equal(["transaction_id"], contract.UniqueKey.Select(c => c.Name));
        var amount = contract.Columns.Find("amount")!;
        Assert.Equal(ColumnKind.Decimal, amount.Type.Kind);
        Assert.Equal((12, 2), (amount.Type.Precision, amount.Type.Scale));
        Assert.Equal(SourceTimeUnit.Milliseconds, contract.Columns.Find("timestamp")!.SourceUnit);
        Assert.Equal(["device_type", "authentication_method", "merchant_id"], contract.Columns.Find("transaction_metadata")!.Type.Fields!.Columns.Select(c => c.Name));
        Assert.Equal(
            [DerivedField.Operation, DerivedField.EventTime, DerivedField.EventId, DerivedField.TtlDelete],
            contract.Columns.Columns.Where(c => c.Derived != DerivedField.None).Select(c => c.Derived));
        Assert.Equal("timestamp", contract.PartitionSpec.Single().Source.Name);
    }

    [Fact]
    public void EmbeddedContract_IsTheFileInSchemaFolder()
    {
        var fromFile = TableContract.Load(Path.Combine(RepoPaths.Root, "schema", "transactions.json"));
        var embedded = TableContract.LoadEmbedded();

        Assert.Equal(
            fromFile.Columns.Columns.Select(c => c.ToString()),
            embedded.Columns.Columns.Select(c => c.ToString()));
    }

    [Fact]
    public void FromEnvironment_ReadsTheFileCONTRACTNames()
    {
        using var folder = new TempFolder("dynamolake-contract-");
        var file = Path.Combine(folder.Path, "orders.json");
        File.WriteAllText(file, File.ReadAllText(Path.Combine(RepoPaths.Root, "schema", "transactions.json")).Replace("\"table\": \"transactions\"", "\"table\": \"orders\"", StringComparison.Ordinal));

        var contract = TableContract.FromEnvironment(name => name == TableContract.FileVariable ? file : null);

        Assert.Equal("orders", contract.Table);
    }

    [Fact]
    public void FromEnvironment_NoSuchFile_NamesTheFileAndTheVariable()
    {
        // This test project is no function package: it carries no contracts/ folder, so even the default is missing.
        var missing = Assert.Throws<TableContractException>(() => TableContract.FromEnvironment(_ => null));
        var named = Assert.Throws<TableContractException>(() => TableContract.FromEnvironment(name => name == "CONTRACT" ? "contracts/orders.json" : null));

        Assert.StartsWith("contracts/transactions.json: no such contract file in the package", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("contracts/orders.json: no such contract file in the package", named.Message, StringComparison.Ordinal);
        Assert.Contains("CONTRACT names a file under contracts/", named.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldIds_TopLevelFirstThenNestedBreadthFirst()
    {
        var contract = TableContract.LoadEmbedded();
        var top = contract.Columns.Columns;

        Assert.Equal(Enumerable.Range(1, top.Count), top.Select(c => c.Id));
        var nested = top.Where(c => c.Type.Kind == ColumnKind.Struct).SelectMany(c => c.Type.Fields!.Columns).Select(c => c.Id);
        Assert.Equal(Enumerable.Range(top.Count + 1, 7), nested);
        Assert.Equal(top.Count + 7, contract.LastColumnId);
    }

    [Theory]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"amount","type":"decimal(40,2)"}]}""", "column 'amount'", "precision must be 1–38")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"Amount","type":"string"}]}""", "column 'Amount'", "lowercase")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"ts","type":"timestamptz"}]}""", "column 'ts'", "sourceUnit")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"x","type":"varchar"}]}""", "column 'x'", "unknown type \"varchar\"")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"xs","type":{"type":"list","element":"string"},"sourceUnit":"seconds"}]}""", "column 'xs'", "applies to timestamp columns and lists of them only")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"ts","type":{"type":"list","element":"timestamptz"},"sourceUnit":"hours"}]}""", "column 'ts'", "expected seconds, milliseconds, microseconds or iso8601")]
    [InlineData("""{"table":"t","uniqueKey":["nope"],"columns":[{"name":"id","type":"string","required":true}]}""", "column 'nope'", "not declared")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string"}]}""", "column 'id'", "required")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"id","type":"int"}]}""", "column 'id'", "declared twice")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"m","type":{"type":"struct","fields":[{"name":"a","type":"nope"}]}}]}""", "column 'm.a'", "unknown type")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"_op","type":"int","derived":"operation"}]}""", "column '_op'", "must have type string")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true,"colour":"red"}]}""", "column 'id'", "unknown property \"colour\"")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"n","type":"int","values":["1"]}]}""", "column 'n'", "\"values\" applies to string columns only")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"r","type":"string","values":[]}]}""", "column 'r'", "\"values\" must be a non-empty array")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"r","type":"string","values":["a","a"]}]}""", "column 'r'", "\"values\" lists \"a\" twice")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"partitionSpec":[{"source":"id","transform":"day"}],"columns":[{"name":"id","type":"string","required":true}]}""", "column 'id'", "needs a date or timestamp")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"partitionSpec":[{"source":"ts","transform":"day"}],"columns":[{"name":"id","type":"string","required":true},{"name":"ts","type":"timestamptz","required":true,"sourceUnit":"milliseconds"}]}""", "column 'ts'", "a partition source must never change for a key: declare it \"immutable\": true")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"_t","type":"timestamptz","derived":"event_time","immutable":true}]}""", "column '_t'", "cannot be immutable")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"m","type":{"type":"struct","fields":[{"name":"a","type":"int","immutable":true}]}}]}""", "column 'm.a'", "only top-level columns can be declared immutable")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true,"immutable":"yes"}]}""", "column 'id'", "\"immutable\" must be true or false")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"timeToLive":"nope","columns":[{"name":"id","type":"string","required":true}]}""", "column 'nope'", "\"timeToLive\" names a column that is not declared")]
    [InlineData("""{"table":"t","uniqueKey":["id"],"timeToLive":"ts","columns":[{"name":"id","type":"string","required":true},{"name":"ts","type":"timestamptz","sourceUnit":"milliseconds"}]}""", "column 'ts'", "epoch seconds")]
    [InlineData("""{"table":"t","columns":[{"name":"id","type":"string","required":true}]}""", "contract.json:", "\"uniqueKey\"")]
    [InlineData("""{"table":"t", "columns": [""", "contract.json:", "not valid JSON")]
    public void MalformedContract_FailsNamingFileColumnAndProblem(string json, string where, string problem)
    {
        var error = Assert.Throws<TableContractException>(() => TableContract.Parse(Encoding.UTF8.GetBytes(json), "contract.json"));

        Assert.StartsWith("contract.json:", error.Message, StringComparison.Ordinal);
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"string\"", "S")]
    [InlineData("\"date\"", "S")]
    [InlineData("\"timestamptz\",\"sourceUnit\":\"iso8601\"", "S")]
    [InlineData("\"timestamp\",\"sourceUnit\":\"seconds\"", "N")]
    [InlineData("\"long\"", "N")]
    [InlineData("\"int\"", "N")]
    [InlineData("\"decimal(20,2)\"", "N")]
    [InlineData("\"binary\"", "B")]
    [InlineData("\"boolean\"", null)]
    public void AKeyColumn_HasTheDynamoDbKeyTypeOfTheAttributeItReads(string type, string? expected)
    {
        var json = $$$"""{"table":"t","uniqueKey":["k"],"columns":[{"name":"k","required":true,"type":{{{type}}}}]}""";

        Assert.Equal(expected, TableContract.Parse(Encoding.UTF8.GetBytes(json), "contract.json").Columns.Find("k")!.DynamoDbKeyType);
    }

    [Theory]
    [InlineData("\"sourceUnit\":\"milliseconds\",", SourceTimeUnit.Milliseconds)]
    [InlineData("\"sourceUnit\":\"iso8601\",", SourceTimeUnit.Iso8601)]
    [InlineData("", SourceTimeUnit.Microseconds)]
    public void AListOfInstants_ReadsItsElementsInItsSourceUnit_MicrosecondsByDefault(string unit, SourceTimeUnit expected)
    {
        var json = $$$"""{"table":"t","uniqueKey":["id"],"columns":[{"name":"id","type":"string","required":true},{"name":"ts",{{{unit}}}"type":{"type":"list","element":"timestamptz"}}]}""";

        Assert.Equal(expected, TableContract.Parse(Encoding.UTF8.GetBytes(json), "contract.json").Columns.Find("ts")!.SourceUnit);
    }

    [Theory]
    [InlineData("""[{"source":"id","transform":"bucket[16]","name":"id_bucket"}]""")]
    [InlineData("""[{"source":"ts","transform":"day"}]""")]
    public void APartitionSpecOnTheKeyOrAnImmutableColumn_IsAccepted(string spec)
    {
        var json = $$$"""{"table":"t","uniqueKey":["id"],"partitionSpec":{{{spec}}},"columns":[{"name":"id","type":"string","required":true},{"name":"ts","type":"timestamptz","required":true,"immutable":true,"sourceUnit":"milliseconds"}]}""";

        var contract = TableContract.Parse(Encoding.UTF8.GetBytes(json), "contract.json");

        Assert.Single(contract.PartitionSpec);
        Assert.True(contract.Columns.Find("ts")!.Immutable);
    }

    [Fact]
    public void MissingContractFile_FailsNamingTheFile()
    {
        var error = Assert.Throws<TableContractException>(() => TableContract.Load("/nonexistent/contract.json"));

        Assert.Contains("/nonexistent/contract.json", error.Message, StringComparison.Ordinal);
    }
}
