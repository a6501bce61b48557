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
    private readonly IReadOnlyList<string> _contractFiles;
    private readonly IReadOnlyDictionary<string, string>? _variables;
    private readonly Lazy<ContractSet> _contracts;
    private readonly Lazy<TemplateFacts> _template;

    private FunctionEnvironment(IReadOnlyList<string> contractFiles, IReadOnlyDictionary<string, string>? variables, Lazy<ContractSet>? contracts = null)
    {
        _contractFiles = contractFiles;
        _variables = variables;
        _contracts = contracts ?? new Lazy<ContractSet>(() => _contractFiles.Count == 0
            ? ContractSet.Of([TableContract.FromEnvironment(Get)], streamTable: null)
            : ContractSet.Of([.. _contractFiles.Select(TableContract.Load)], streamTable: null));
        _template = new Lazy<TemplateFacts>(() => _contractFiles.Count > 1
            ? TemplateFacts.From(Deploy.TemplateGenerator.ForSet(TemplateFacts.LoadEmbeddedTemplate(), [.. Contracts().Contracts.Zip(ContractFileNames)]))
            : TemplateFacts.For(Contract(), ContractFileName));
    }

    /// <summary>This process's environment, with the contract file <paramref name="contractFile"/> when given.</summary>
    public static FunctionEnvironment With(string? contractFile) => With(contractFile is null ? [] : [contractFile]);

    /// <summary>This process's environment with the contract files given (none: the default; several: a set on one stream).</summary>
    /// <exception cref="TableContractException">Two files of one name: the packages' contracts/ folder holds one of them.</exception>
    public static FunctionEnvironment With(IReadOnlyList<string> contractFiles)
    {
        ArgumentNullException.ThrowIfNull(contractFiles);
        var full = contractFiles.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        foreach (var twice in full.GroupBy(Path.GetFileName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            throw new TableContractException($"{string.Join(" and ", twice)} have one name: a function package's contracts/ folder holds one file of each name.");
        }

        return new(full, null);
    }

    /// <summary>The process's own environment (the functions' defaults).</summary>
    public static FunctionEnvironment Process { get; } = new([], null);

    /// <summary>The contract file given, if exactly one (an absolute path).</summary>
    public string? ContractFile => _contractFiles.Count == 1 ? _contractFiles[0] : null;

    /// <summary>The contract files given (absolute paths), in order; none: the default.</summary>
    public IReadOnlyList<string> ContractFiles => _contractFiles;

    /// <summary>Whether several contracts were given: a set on one stream.</summary>
    public bool IsSet => _contractFiles.Count > 1;

    /// <summary>The contract's file name in the function packages (contracts/NAME): the (first) given file's, else the sample's.</summary>
    public string ContractFileName => ContractFileNames[0];

    /// <summary>The contracts' file names in the function packages, in the order given.</summary>
    public IReadOnlyList<string> ContractFileNames => _contractFiles.Count == 0 ? [Path.GetFileName(TableContract.SampleFile)] : [.. _contractFiles.Select(f => Path.GetFileName(f))];

    /// <summary>This environment as a function of <paramref name="template"/> sees it: its variables there fill in what the process does not set.</summary>
    public FunctionEnvironment For(TemplateFacts template, string functionLogicalId)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new(_contractFiles, template.EnvironmentOf(functionLogicalId), _contractFiles.Count == 0 ? null : _contracts);
    }

    /// <summary>A variable as the function reads it (CONTRACT: the files given, separated by commas).</summary>
    public string? Get(string name) =>
        name == TableContract.FileVariable && _contractFiles.Count > 0
            ? string.Join(',', _contractFiles)
            : Environment.GetEnvironmentVariable(name) is { Length: > 0 } set ? set : _variables?.GetValueOrDefault(name);

    /// <summary>The contract: the file given, else the function's default; invalid or missing throws naming the file and the rule.</summary>
    /// <exception cref="TableContractException">Several were given: this reads one.</exception>
    public TableContract Contract() => IsSet
        ? throw new TableContractException($"--contract names {_contractFiles.Count} files ({string.Join(", ", ContractFileNames)}); this reads one contract (a set of contracts runs in pipeline, template and invoke).")
        : _contracts.Value.Contracts[0];

    /// <summary>The contracts given as a set on one stream (one contract: a set of one), checked as the Transform checks it.</summary>
    public ContractSet Contracts() => _contracts.Value;

    /// <summary>serverless.template as generated for the contract(s) (for the sample, the checked-in one), made once.</summary>
    public TemplateFacts Template() => _template.Value;
}
