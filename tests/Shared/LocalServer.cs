using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DynamoLake.Testing;

/// <summary>
/// A real server process (moto, dynalite) on a free 127.0.0.1 port, started by a test fixture, ready when
/// its port answers, and stopped by PID (with its child processes) on dispose.
/// </summary>
public sealed class LocalServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private LocalServer(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
    }

    public string Name { get; }

    public int Port { get; }

    public Uri Endpoint { get; }

    /// <summary>Starts <paramref name="fileName"/> with the arguments for a free port and waits until the port accepts connections.</summary>
    public static LocalServer Start(string name, string fileName, Func<int, IEnumerable<string>> arguments, string workingDirectory, TimeSpan timeout)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments(port))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name}: '{fileName}' did not start.");
        var server = new LocalServer(name, process, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode} before answering on port {port}:\n{server.Output}");
            }

            if (Answers(port))
            {
                return server;
            }

            Thread.Sleep(100);
        }

        server.Dispose();
        throw new InvalidOperationException($"{name} did not answer on 127.0.0.1:{port} within {timeout.TotalSeconds:F0} s:\n{server.Output}");
    }

    /// <summary>What the server printed (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to stop.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
