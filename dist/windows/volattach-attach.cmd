@echo off
rem SPDX-License-Identifier: Apache-2.0
rem cloudbase-init LocalScripts drop-in: attach the metadata's iSCSI volumes
rem at every boot, for images that already run cloudbase-init instead of the
rem volattach service (use one or the other).
rem Copy to cloudbase-init's local_scripts_path, e.g.
rem   C:\Program Files\Cloudbase Solutions\Cloudbase-Init\LocalScripts\
rem cloudbase-init exit codes: 1001 reboot and do not run again, 1002 run again
rem at the next boot without rebooting, 1003 reboot and run again; anything
rem else marks the plugin done for good. volattach must run at every boot, so
rem this script always ends with 1002; volattach's own status is printed (and
rem so lands in cloudbase-init's log) just before, and its messages go to the
rem Event Log and to %ProgramData%\volattach\volattach.log.
setlocal
set VOLATTACH=%ProgramFiles%\volattach\volattach.exe
if not exist "%VOLATTACH%" (
    echo volattach-attach: %VOLATTACH% not found
    exit /b 1002
)
if not exist "%ProgramData%\volattach" mkdir "%ProgramData%\volattach"
"%VOLATTACH%" --syslog --log-file "%ProgramData%\volattach\volattach.log" attach
echo volattach-attach: volattach exited with %ERRORLEVEL% (0 all attached, 1 some failed, 3 bad metadata, 4 environment)
exit /b 1002
