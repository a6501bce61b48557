namespace DynamoLake.Core.Contract;

/// <summary>The table contract file is malformed. The message names the file, the column and the problem.</summary>
public sealed class TableContractException : Exception
{
    public TableContractException()
    {
    }

    public TableContractException(string message)
        : base(message)
    {
    }

    public TableContractException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
