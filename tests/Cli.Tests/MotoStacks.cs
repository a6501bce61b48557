using System.Text;
using System.Text.Json.Nodes;
using DynamoLake.Aws;

namespace Cli.Tests;

/// <summary>CloudFormation stacks in moto with the outputs and parameters verify reads from a deployed stack.</summary>
internal static class MotoStacks
{
    /// <summary>Creates a stack named <paramref name="name"/> in us-east-1 whose outputs are <paramref name="outputs"/>.</summary>
    public static async Task CreateAsync(Uri moto, string name, IReadOnlyDictionary<string, string> outputs, int processorSeconds = 60, int destinationSeconds = 120)
    {
        var template = new JsonObject
        {
            ["Parameters"] = new JsonObject
            {
                ["ProcessorBufferIntervalSeconds"] = new JsonObject { ["Type"] = "Number", ["Default"] = processorSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["DestinationBufferIntervalSeconds"] = new JsonObject { ["Type"] = "Number", ["Default"] = destinationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
            ["Resources"] = new JsonObject { ["Topic"] = new JsonObject { ["Type"] = "AWS::SNS::Topic" } },
            ["Outputs"] = new JsonObject(outputs.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)new JsonObject { ["Value"] = o.Value }))),
        };
        using var http = new HttpClient();
        var form = $"Action=CreateStack&StackName={name}&TemplateBody={Uri.EscapeDataString(template.ToJsonString())}&Version=2010-05-15";
        using var create = new HttpRequestMessage(HttpMethod.Post, moto) { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
        SigV4Signer.Sign(create, Encoding.UTF8.GetBytes(form), new AwsCredentials("local", "local"), "us-east-1", "cloudformation", DateTimeOffset.UtcNow);
        using var created = await http.SendAsync(create);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }
}
