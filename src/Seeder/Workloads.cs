using DynamoLake.Core.Contract;

namespace Seeder;

/// <summary>Which workload writes a table of a contract: the sample's realistic transactions when they fit it, else the contract's own items.</summary>
internal static class Workloads
{
    /// <exception cref="SeedException">A contract no workload can write (a composite key), with the reason.</exception>
    public static IWorkload For(TableContract contract, WorkloadOptions options) =>
        TransactionGenerator.Refusal(contract) is null ? new TransactionWorkload(options) : new ContractWorkload(contract, options);
}
