namespace PartitionKeys;

/// <summary>
/// The entry point of the Native AOT build (provided.al2023): our own Runtime API loop around the same handler the
/// managed runtime calls. Published with -p:PublishAot=true -p:OutputType=Exe -p:StartupObject=PartitionKeys.Bootstrap
/// -p:AssemblyName=bootstrap; the managed build never calls it.
/// </summary>
public static class Bootstrap
{
    public static Task<int> Main() => DynamoLake.Runtime.LambdaRuntime.RunAsync(() => new Function().FunctionHandler);
}
