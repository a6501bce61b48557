using Amazon.Runtime;

namespace Seeder.Tests;

/// <summary>Gives the SDK an HttpClient whose pipeline runs through a <see cref="FaultInjectingHandler"/>.</summary>
public sealed class FaultInjectingClientFactory(FaultInjectingHandler handler) : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
}
