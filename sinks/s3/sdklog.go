package s3

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/smithy-go/logging"
)

// sdkLogger routes the AWS SDK's log messages to the sink's slog logger (warnings at WARN,
// everything else at DEBUG), so the CLI's --log-format and --log-level apply to them too.
type sdkLogger struct{ l *slog.Logger }

func (s sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if s.l == nil {
		return
	}
	lvl := slog.LevelDebug
	if c == logging.Warn {
		lvl = slog.LevelWarn
	}
	s.l.Log(context.Background(), lvl, "aws sdk: "+fmt.Sprintf(format, v...))
}
