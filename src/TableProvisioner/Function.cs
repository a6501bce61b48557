using System.Diagnostics;
using System.Text.Json;
using DynamoLake.Aws;
using DynamoLake.Core.Contract;

namespace TableProvisioner;

/// <summary>
/// CloudFormation custom resource that creates the S3 Tables namespace and Iceberg table from the table
/// contract. It always answers: every outcome — success, API error, throttling, timeout, malformed
/// request, a bug — is PUT to the ResponseURL before the deadline, so no stack waits an hour.
/// Handler: <c>TableProvisioner::TableProvisioner.Function::FunctionHandler</c>.
/// </summary>
public sealed class Function
{
    private readonly ProvisionerSettings _settings;
    private readonly HttpClient _http;
    private readonly Func<CancellationToken, Task<AwsCredentials>> _credentials;
    private readonly TimeProvider _clock;
    private readonly TextWriter _log;
    private readonly ContractSet _contracts;
    private readonly TimeSpan _retryBaseDelay;
    private readonly string? _configurationProblem;

    /// <summary>Used by the Lambda runtime: settings from the environment, the SDK's credential chain, logs to stdout.</summary>
    public Function()
        : this(Environment.GetEnvironmentVariable, NewHttpClient(), AwsCredentialChain.ResolveAsync, TimeProvider.System, Console.Out)
    {
        DynamoLake.Core.Observability.LambdaEnvironment.WarnAboutLogFormat(Environment.GetEnvironmentVariable, Console.Out);
    }

    /// <summary>The runtime's path with the environment given (the local workbench overlays CONTRACT on its own).</summary>
    internal static Function FromEnvironment(Func<string, string?> environment)
    {
        var function = new Function(environment, NewHttpClient(), AwsCredentialChain.ResolveAsync, TimeProvider.System, Console.Out);
        DynamoLake.Core.Observability.LambdaEnvironment.WarnAboutLogFormat(environment, Console.Out);
        return function;
    }

    /// <summary>
    /// Reads the settings through <paramref name="environment"/> without ever throwing: a bad value (say
    /// <c>DEADLINE_SECONDS=soon</c>) is kept and answered as FAILED to every request, because a constructor
    /// that throws sends nothing and leaves the stack waiting for its timeout.
    /// </summary>
    internal Function(Func<string, string?> environment, HttpClient http, Func<CancellationToken, Task<AwsCredentials>> credentials, TimeProvider clock, TextWriter log, TimeSpan? retryBaseDelay = null)
        : this(SettingsOrDefault(environment, out var problem), http, credentials, clock, log, retryBaseDelay, ContractsOrSample(environment, ref problem))
    {
        _configurationProblem = problem;
    }

    internal Function(ProvisionerSettings settings, HttpClient http, Func<CancellationToken, Task<AwsCredentials>> credentials, TimeProvider clock, TextWriter log, TimeSpan? retryBaseDelay = null, TableContract? contract = null)
        : this(settings, http, credentials, clock, log, retryBaseDelay, ContractSet.Of([contract ?? TableContract.LoadEmbedded()], streamTable: null))
    {
    }

    internal Function(ProvisionerSettings settings, HttpClient http, Func<CancellationToken, Task<AwsCredentials>> credentials, TimeProvider clock, TextWriter log, TimeSpan? retryBaseDelay, ContractSet contracts)
    {
        _settings = settings;
        _http = http;
        _credentials = credentials;
        _clock = clock;
        _log = log;
        _contracts = contracts;
        _retryBaseDelay = retryBaseDelay ?? TimeSpan.FromMilliseconds(200);
    }

    /// <summary>Handles one custom-resource request and returns the response it sent (JSON).</summary>
    /// <exception cref="InvalidOperationException">The request names no ResponseURL: there is nobody to answer.</exception>
    public async Task<Stream> FunctionHandler(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = Stopwatch.StartNew();
        var startedAt = _clock.GetUtcNow();
        using var whole = new CancellationTokenSource(_settings.Deadline, _clock);
        using var work = new CancellationTokenSource(_settings.Deadline - _settings.ResponseReserve, _clock);

        CustomResourceRequest request;
        string? malformed = null;
        using (var buffer = new MemoryStream())
        {
            await input.CopyToAsync(buffer);
            try
            {
                request = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ProvisionerJsonContext.Default.CustomResourceRequest) ?? new CustomResourceRequest();
            }
            catch (JsonException e)
            {
                request = BestEffort(buffer.ToArray());
                malformed = $"malformed request: {e.Message}";
            }
        }

        if (request.ResponseURL is null || !Uri.TryCreate(request.ResponseURL, UriKind.Absolute, out var responseUrl))
        {
            Log("custom resource not answered: the request has no valid ResponseURL", null, request, null, started);
            throw new InvalidOperationException("The request has no valid ResponseURL, so CloudFormation cannot be answered; is this a custom-resource request?");
        }

        if (responseUrl.Scheme is not ("https" or "http"))
        {
            Log($"custom resource not answered: the ResponseURL scheme {responseUrl.Scheme} is not http(s)", null, request, null, started);
            throw new InvalidOperationException($"The ResponseURL's scheme '{responseUrl.Scheme}' cannot be answered with an HTTP PUT; CloudFormation sends a pre-signed https URL.");
        }

        var provisioner = new Provisioner(
            _contracts,
            properties => new S3TablesClient(Rest(S3TablesClient.SigningName, _settings.EndpointOverride, properties.Region)),
            properties => new LakeFormationClient(Rest(LakeFormationClient.SigningName, _settings.LakeFormationEndpointOverride, properties.Region)));

        ProvisionOutcome outcome;
        var fallbackId = request.PhysicalResourceId ?? $"failed-{request.RequestId}";
        if (_configurationProblem is not null)
        {
            outcome = ProvisionOutcome.Failed($"the function is misconfigured: {_configurationProblem}", fallbackId);
        }
        else if (malformed is not null)
        {
            outcome = ProvisionOutcome.Failed(malformed, fallbackId);
        }
        else
        {
            try
            {
                outcome = await provisioner.RunAsync(request, work.Token);
            }
            catch (OperationCanceledException) when (work.IsCancellationRequested)
            {
                outcome = ProvisionOutcome.Failed($"timed out after {_settings.Deadline - _settings.ResponseReserve:g} during {provisioner.Step} (deadline {DeadlineDescription()})", fallbackId);
            }
            catch (AwsApiException e)
            {
                outcome = ProvisionOutcome.Failed(e.Message, fallbackId);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug must still answer CloudFormation, or the stack waits for an hour.
                outcome = ProvisionOutcome.Failed($"unexpected {e.GetType().Name} during {provisioner.Step}: {e.Message}", fallbackId);
            }
        }

        var response = new CustomResourceResponse
        {
            Status = outcome.Status,
            Reason = outcome.Reason,
            PhysicalResourceId = outcome.PhysicalResourceId,
            StackId = request.StackId ?? "",
            RequestId = request.RequestId ?? "",
            LogicalResourceId = request.LogicalResourceId ?? "",
            Data = outcome.Data,
        };
        var body = ResponseSender.Body(response);
        var sendProblem = await new ResponseSender(_http, _clock, baseDelay: _retryBaseDelay).SendAsync(
            responseUrl,
            body,
            whole.Token,
            (attempt, result) => Log("response attempt", outcome.Status, request, result, started, attempt),
            deadline: startedAt + _settings.Deadline);
        Log(sendProblem is null ? "custom resource answered" : "custom resource answer not delivered", outcome.Status, request, sendProblem, started);
        if (sendProblem is not null)
        {
            throw new InvalidOperationException($"The {outcome.Status} response (Reason: {outcome.Reason}) could not be delivered to CloudFormation: {sendProblem}");
        }

        return new MemoryStream(body, writable: false);
    }

    private AwsRestClient Rest(string service, Uri? endpointOverride, string region) =>
        new(_http, AwsRestClient.EndpointFor(service, region, endpointOverride), region, service, _credentials, _clock, maxAttempts: 5, _retryBaseDelay);

    private string DeadlineDescription() => $"{_settings.Deadline.TotalSeconds:0} s from {ProvisionerSettings.DeadlineVariable}";

    // Ids and outcome only; the properties are not customer data but the reason may quote them, so it stays in the response.
    private void Log(string message, string? status, CustomResourceRequest request, string? problem, Stopwatch started, int? attempt = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("level", problem is null && status == CustomResourceResponse.Success ? "info" : "error");
            writer.WriteString("message", message);
            writer.WriteString("requestType", request.RequestType);
            writer.WriteString("requestId", request.RequestId);
            writer.WriteString("logicalResourceId", request.LogicalResourceId);
            if (status is not null)
            {
                writer.WriteString("status", status);
            }

            if (attempt is { } n)
            {
                writer.WriteNumber("attempt", n);
                writer.WriteString("result", problem ?? "delivered");
            }
            else if (problem is not null)
            {
                writer.WriteString("responseNotDelivered", problem);
            }

            if (_configurationProblem is not null)
            {
                writer.WriteString("configurationProblem", _configurationProblem);
            }

            writer.WriteNumber("durationMs", started.ElapsedMilliseconds);
            writer.WriteEndObject();
        }

        _log.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        _log.Flush();
    }

    private static ProvisionerSettings SettingsOrDefault(Func<string, string?> environment, out string? problem)
    {
        try
        {
            problem = null;
            return ProvisionerSettings.From(environment);
        }
        catch (InvalidOperationException e)
        {
            problem = e.Message;
            return new ProvisionerSettings();
        }
    }

    /// <summary>The contract files CONTRACT names; a missing or invalid one is kept as the problem every request is answered FAILED with.</summary>
    private static ContractSet ContractsOrSample(Func<string, string?> environment, ref string? problem)
    {
        try
        {
            return ContractSet.FromEnvironment(environment, streamTable: null);
        }
        catch (TableContractException e)
        {
            problem ??= e.Message;
            return ContractSet.Of([TableContract.LoadEmbedded()], streamTable: null);
        }
    }

    /// <summary>No client-wide timeout: every call has its own (per attempt, within the deadline).</summary>
    private static HttpClient NewHttpClient() => new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>For a request that is not valid JSON of our shape, still find where to answer if we can.</summary>
    private static CustomResourceRequest BestEffort(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return new CustomResourceRequest
            {
                ResponseURL = Text("ResponseURL"),
                StackId = Text("StackId"),
                RequestId = Text("RequestId"),
                LogicalResourceId = Text("LogicalResourceId"),
                PhysicalResourceId = Text("PhysicalResourceId"),
                RequestType = Text("RequestType"),
            };
        }
        catch (JsonException)
        {
            return new CustomResourceRequest();
        }
    }

}
