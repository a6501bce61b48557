using DynamoLake.Core.Contract;

namespace DynamoLake.Local;

/// <summary>
/// The environment a function sees when the workbench runs it, and the contract every verb reads: this
/// process's variables, with <c>CONTRACT</c> set to the file given by <c>--contract</c> (else as the process
/// has it, else the sample's file beside the tool, as in a function package). One code path for the sample
/// and the user's table: the functions read their contract the way they do in Lambda.
/// </summary>
internal sealed class FunctionEnvironment
{
    private readonly string? _contractFile;

    private FunctionEnvironment(string? contractFile) => _contractFile = contractFile;

    /// <summary>This process's environment, with the contract file <paramref name="contractFile"/> when given.</summary>
    public static FunctionEnvironment With(string? contractFile) =>
        new(contractFile is null ? null : Path.GetFullPath(contractFile));

    /// <summary>The process's own environment (the functions' defaults).</summary>
    public static FunctionEnvironment Process { get; } = new(null);

    /// <summary>The contract file given, if any (an absolute path).</summary>
    public string? ContractFile => _contractFile;

    /// <summary>A variable as the function reads it.</summary>
    public string? Get(string name) =>
        name == TableContract.FileVariable && _contractFile is not null ? _contractFile : Environment.GetEnvironmentVariable(name);

    /// <summary>The contract: the file given, else the function's default; invalid or missing throws naming the file and the rule.</summary>
    public TableContract Contract() => _contractFile is null ? TableContract.FromEnvironment(Get) : TableContract.Load(_contractFile);
}
