namespace Transform;

/// <summary>
/// The entry point of the Native AOT build (provided.al2023): our own Runtime API loop around the same handler the
/// managed runtime calls. Published with -p:NativeAot=true (src/Directory.Build.targets makes the project an
/// executable named bootstrap with this entry point); the managed build never calls it.
/// </summary>
public static class Bootstrap
{
    public static Task<int> Main() => DynamoLake.Runtime.LambdaRuntime.RunAsync(() => new Function().FunctionHandler);
}
