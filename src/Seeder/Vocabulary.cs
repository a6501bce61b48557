using DynamoLake.Core.Contract;

namespace Seeder;

/// <summary>
/// The categorical values the generator writes, taken from the table contract (<c>values</c>), never typed
/// twice: a value the contract does not declare fails at start-up with the column's name.
/// </summary>
internal static class Vocabulary
{
    private static readonly TableContract s_contract = TableContract.LoadEmbedded();

    /// <summary><paramref name="values"/>, in this order, after checking the contract declares each for <paramref name="path"/>.</summary>
    public static string[] Each(string path, params string[] values) => [.. values.Select(v => Of(path, v))];

    /// <summary><paramref name="value"/>, after checking the contract declares it for <paramref name="path"/>.</summary>
    public static string Of(string path, string value) =>
        Column(path).Values is { } values && values.Contains(value) ? value : throw Missing(path, $"does not declare the value '{value}'");

    private static Column Column(string path)
    {
        var parts = path.Split('.');
        var column = s_contract.Columns.Find(parts[0]) ?? throw Missing(path, "is not a column");
        foreach (var field in parts.Skip(1))
        {
            column = column.Type.Fields?.Find(field) ?? throw Missing(path, "is not a struct field");
        }

        return column;
    }

    private static InvalidOperationException Missing(string path, string problem) =>
        new($"schema/transactions.json: '{path}' {problem}; the Seeder's generator writes it.");
}
