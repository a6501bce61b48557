using DynamoLake.Core.Contract;
using DynamoLake.Local.Pipeline;

namespace DynamoLake.Local;

/// <summary>
/// The environment a function sees when the workbench runs it, and the contract every verb reads: this
/// process's variables, then the function's variables in the template (when one is given); <c>CONTRACT</c> is
/// the file given by <c>--contract</c> (else as the process or the template has it, else the sample's file
/// beside the tool, as in a function package). One code path for the sample and the user's table: the
/// functions read their contract and settings the way they do in Lambda.
/// </summary>
internal sealed class FunctionEnvironment
{
    private readonly string? _contractFile;
    private readonly IReadOnlyDictionary<string, string>? _variables;
    private readonly Lazy<TableContract> _contract;
    private readonly Lazy<TemplateFacts> _template;

    private FunctionEnvironment(string? contractFile, IReadOnlyDictionary<string, string>? variables)
    {
        _contractFile = contractFile;
        _variables = variables;
        _contract = new Lazy<TableContract>(() => _contractFile is null ? TableContract.FromEnvironment(Get) : TableContract.Load(_contractFile));
        _template = new Lazy<TemplateFacts>(() => TemplateFacts.For(Contract(), ContractFileName));
    }

    /// <summary>This process's environment, with the contract file <paramref name="contractFile"/> when given.</summary>
    public static FunctionEnvironment With(string? contractFile) =>
        new(contractFile is null ? null : Path.GetFullPath(contractFile), null);

    /// <summary>The process's own environment (the functions' defaults).</summary>
    public static FunctionEnvironment Process { get; } = new(null, null);

    /// <summary>The contract file given, if any (an absolute path).</summary>
    public string? ContractFile => _contractFile;

    /// <summary>The contract's file name in the function packages (contracts/NAME): the given file's, else the sample's.</summary>
    public string ContractFileName => Path.GetFileName(_contractFile ?? TableContract.SampleFile);

    /// <summary>This environment as a function of <paramref name="template"/> sees it: its variables there fill in what the process does not set.</summary>
    public FunctionEnvironment For(TemplateFacts template, string functionLogicalId)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new(_contractFile, template.EnvironmentOf(functionLogicalId));
    }

    /// <summary>A variable as the function reads it.</summary>
    public string? Get(string name) =>
        name == TableContract.FileVariable && _contractFile is not null
            ? _contractFile
            : Environment.GetEnvironmentVariable(name) is { Length: > 0 } set ? set : _variables?.GetValueOrDefault(name);

    /// <summary>The contract: the file given, else the function's default; invalid or missing throws naming the file and the rule.</summary>
    public TableContract Contract() => _contract.Value;

    /// <summary>serverless.template as generated for the contract (for the sample, the checked-in one), made once.</summary>
    public TemplateFacts Template() => _template.Value;
}
