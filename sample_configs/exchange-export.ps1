<#
.SYNOPSIS
    Exports what mailsurvey needs for a pre-migration inventory of an on-premises Exchange
    organisation (2013, 2016, 2019, Subscription Edition), as CSV files. Changes nothing.

.DESCRIPTION
    Run it in the Exchange Management Shell with an account that may read the organisation
    (the "View-Only Organization Management" role group is enough; Get-ADPermission also
    needs read access to Active Directory). Only Get-* cmdlets are used: nothing in
    Exchange or Active Directory is changed.

    It writes these files into -OutputDirectory (UTF-16 LE with byte order mark, every
    field quoted, no "#TYPE" line) and then zips nothing: send the whole folder back.

      ExportInfo.csv               the session's culture (how dates are written), time
                                   zone and PowerShell version
      ExchangeServer.csv           Get-ExchangeServer: Name, Fqdn, AdminDisplayVersion, ...
      MailboxStatistics.csv        Get-MailboxStatistics per mailbox (DisplayName, ItemCount,
                                   TotalItemSize, TotalDeletedItemSize, DeletedItemCount,
                                   LastLogonTime, MailboxGuid, DatabaseProhibitSendReceive-
                                   Quota), joined with Get-Mailbox's PrimarySmtpAddress,
                                   RecipientTypeDetails, ArchiveStatus, ArchiveGuid, Identity
                                   (as MailboxIdentity), SamAccountName, UserPrincipalName,
                                   UseDatabaseQuotaDefaults, ProhibitSendReceiveQuota
      MailboxFolderStatistics.csv  Get-MailboxFolderStatistics -FolderScope All per mailbox,
                                   and with -Archive for an online archive (column Archive)
      MobileDeviceStatistics.csv   Get-MobileDeviceStatistics per mailbox
      MailboxPermission.csv        Get-MailboxPermission per mailbox (Full Access, ...)
      RecipientPermission.csv      Send As: Get-RecipientPermission where the shell has it,
                                   else Get-ADPermission's Send-As entries, in the same columns

    Every row carries the mailbox's PrimarySmtpAddress, so the files join without guessing.
    A mailbox that cannot be read is reported on the screen and left out of the file that
    failed; mailsurvey then shows that part of it as unknown, never as empty.

    Windows PowerShell 5.1 would write Export-Csv's default encoding (ASCII: every letter
    outside it becomes "?") and a "#TYPE" line; this script asks for -Encoding Unicode and
    -NoTypeInformation. Sizes and dates are written as the session's culture writes them
    ("1,23 GB (1.320.702.362 bytes)", "22-11-2026 09:14:03" in nl-NL); ExportInfo.csv
    records the culture so mailsurvey reads them right.

.PARAMETER OutputDirectory
    Where the CSV files go (created if needed). Default: .\mailsurvey-export

.PARAMETER Mailboxes
    Only these mailboxes (any identity Get-Mailbox takes). Default: every mailbox.

.EXAMPLE
    .\exchange-export.ps1 -OutputDirectory C:\Temp\acme-export

.NOTES
    mailsurvey reads the folder with a source of type exchange_export; see
    sample_configs/exchange-export.yaml.
#>
[CmdletBinding()]
param(
    [string] $OutputDirectory = '.\mailsurvey-export',
    [string[]] $Mailboxes
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$ScriptVersion = '1'

function Save-Csv([System.Collections.IEnumerable] $Rows, [string] $Name) {
    $path = Join-Path $OutputDirectory $Name
    @($Rows) | Export-Csv -LiteralPath $path -NoTypeInformation -Encoding Unicode
    Write-Host ("{0,-30} {1,7} rows" -f $Name, @($Rows).Count)
}

function Join-Values($Values) {
    # an array property (AccessRights) as "FullAccess, ReadPermission"; Export-Csv would
    # write the array's type name instead
    (@($Values) | ForEach-Object { "$_" }) -join ', '
}

New-Item -ItemType Directory -Force -Path $OutputDirectory | Out-Null
$culture = (Get-Culture).Name
Write-Host "Session culture ${culture}: dates are written as $(Get-Date -Format G)"

Save-Csv -Name 'ExportInfo.csv' -Rows @([pscustomobject] @{
        Culture    = $culture
        TimeZone   = [System.TimeZoneInfo]::Local.Id
        PSVersion  = "$($PSVersionTable.PSVersion)"
        ExportedAt = (Get-Date)
        Script     = $ScriptVersion
    })

Save-Csv -Name 'ExchangeServer.csv' -Rows (Get-ExchangeServer | ForEach-Object {
        [pscustomobject] @{
            Name                = "$($_.Name)"
            Fqdn                = "$($_.Fqdn)"
            AdminDisplayVersion = "$($_.AdminDisplayVersion)"   # Version 15.2 (Build 1118.7)
            Edition             = "$($_.Edition)"
            ServerRole          = Join-Values $_.ServerRole
        }
    })

if ($Mailboxes) {
    $all = @($Mailboxes | ForEach-Object { Get-Mailbox -Identity $_ })
}
else {
    $all = @(Get-Mailbox -ResultSize Unlimited)
}
$haveRecipientPermission = [bool] (Get-Command Get-RecipientPermission -ErrorAction SilentlyContinue)

$statistics = New-Object System.Collections.Generic.List[object]
$folders = New-Object System.Collections.Generic.List[object]
$devices = New-Object System.Collections.Generic.List[object]
$fullAccess = New-Object System.Collections.Generic.List[object]
$sendAs = New-Object System.Collections.Generic.List[object]

$n = 0
foreach ($m in $all) {
    $n++
    $address = "$($m.PrimarySmtpAddress)"
    $id = "$($m.Guid)"
    Write-Progress -Activity 'mailsurvey export' -Status $address -PercentComplete (100 * $n / $all.Count)
    try {
        $s = Get-MailboxStatistics -Identity $id -WarningAction SilentlyContinue
        $statistics.Add([pscustomobject] @{
                DisplayName                      = "$($s.DisplayName)"
                ItemCount                        = $s.ItemCount
                TotalItemSize                    = "$($s.TotalItemSize)"
                TotalDeletedItemSize             = "$($s.TotalDeletedItemSize)"
                DeletedItemCount                 = $s.DeletedItemCount
                LastLogonTime                    = $s.LastLogonTime
                MailboxGuid                      = "$($s.MailboxGuid)"
                DatabaseProhibitSendReceiveQuota = "$($s.DatabaseProhibitSendReceiveQuota)"
                PrimarySmtpAddress               = $address
                RecipientTypeDetails             = "$($m.RecipientTypeDetails)"
                ArchiveStatus                    = "$($m.ArchiveStatus)"
                ArchiveGuid                      = "$($m.ArchiveGuid)"
                MailboxIdentity                  = "$($m.Identity)"
                SamAccountName                   = "$($m.SamAccountName)"
                UserPrincipalName                = "$($m.UserPrincipalName)"
                UseDatabaseQuotaDefaults         = $m.UseDatabaseQuotaDefaults
                ProhibitSendReceiveQuota         = "$($m.ProhibitSendReceiveQuota)"
            })
    }
    catch {
        Write-Warning "${address}: Get-MailboxStatistics failed, the mailbox is left out: $_"
        continue
    }
    try {
        $archives = @($false)
        if ("$($m.ArchiveStatus)" -eq 'Active' -or ($m.ArchiveGuid -and "$($m.ArchiveGuid)" -ne '00000000-0000-0000-0000-000000000000')) {
            $archives += $true
        }
        $rows = foreach ($archive in $archives) {
            Get-MailboxFolderStatistics -Identity $id -FolderScope All -Archive:$archive |
                ForEach-Object {
                    [pscustomobject] @{
                        Name                       = "$($_.Name)"
                        FolderPath                 = "$($_.FolderPath)"
                        FolderType                 = "$($_.FolderType)"
                        ContainerClass             = "$($_.ContainerClass)"
                        ItemsInFolder              = $_.ItemsInFolder
                        FolderSize                 = "$($_.FolderSize)"
                        ItemsInFolderAndSubfolders = $_.ItemsInFolderAndSubfolders
                        FolderAndSubfolderSize     = "$($_.FolderAndSubfolderSize)"
                        PrimarySmtpAddress         = $address
                        Archive                    = $archive
                    }
                }
        }
        # all of a mailbox's folders or none: a partial list would read as a smaller mailbox
        foreach ($row in @($rows)) { $folders.Add($row) }
    }
    catch { Write-Warning "${address}: Get-MailboxFolderStatistics failed, its folders are left out: $_" }
    try {
        Get-MobileDeviceStatistics -Mailbox $id -ErrorAction Stop -WarningAction SilentlyContinue |
            ForEach-Object {
                $devices.Add([pscustomobject] @{
                        PrimarySmtpAddress = $address
                        Identity           = "$($_.Identity)"
                        DeviceId           = "$($_.DeviceID)"
                        DeviceType         = "$($_.DeviceType)"
                        DeviceModel        = "$($_.DeviceModel)"
                        DeviceOS           = "$($_.DeviceOS)"
                        DeviceUserAgent    = "$($_.DeviceUserAgent)"
                        FirstSyncTime      = $_.FirstSyncTime
                        LastSuccessSync    = $_.LastSuccessSync
                        DeviceAccessState  = "$($_.DeviceAccessState)"
                    })
            }
    }
    catch { Write-Verbose "${address}: no mobile devices ($_)" }
    try {
        Get-MailboxPermission -Identity $id | ForEach-Object {
            $fullAccess.Add([pscustomobject] @{
                    Identity           = "$($_.Identity)"
                    User               = "$($_.User)"
                    AccessRights       = Join-Values $_.AccessRights
                    IsInherited        = $_.IsInherited
                    Deny               = $_.Deny
                    PrimarySmtpAddress = $address
                })
        }
    }
    catch { Write-Warning "${address}: Get-MailboxPermission failed: $_" }
    try {
        if ($haveRecipientPermission) {
            $granted = Get-RecipientPermission -Identity $id | ForEach-Object {
                [pscustomobject] @{
                    Identity = "$($_.Identity)"; Trustee = "$($_.Trustee)"
                    AccessControlType = "$($_.AccessControlType)"
                    AccessRights = Join-Values $_.AccessRights; IsInherited = $_.IsInherited
                }
            }
        }
        else {
            # on-premises Exchange has no Get-RecipientPermission: Send As is an Active
            # Directory extended right on the user object
            $granted = Get-ADPermission -Identity "$($m.DistinguishedName)" |
                Where-Object { (Join-Values $_.ExtendedRights) -like '*Send-As*' } |
                ForEach-Object {
                    [pscustomobject] @{
                        Identity = "$($_.Identity)"; Trustee = "$($_.User)"
                        AccessControlType = $(if ($_.Deny) { 'Deny' } else { 'Allow' })
                        AccessRights = 'SendAs'; IsInherited = $_.IsInherited
                    }
                }
        }
        foreach ($g in @($granted)) {
            $g | Add-Member -NotePropertyName PrimarySmtpAddress -NotePropertyValue $address
            $sendAs.Add($g)
        }
    }
    catch { Write-Warning "${address}: reading Send As failed: $_" }
}
Write-Progress -Activity 'mailsurvey export' -Completed

Save-Csv -Name 'MailboxStatistics.csv' -Rows $statistics
Save-Csv -Name 'MailboxFolderStatistics.csv' -Rows $folders
Save-Csv -Name 'MobileDeviceStatistics.csv' -Rows $devices
Save-Csv -Name 'MailboxPermission.csv' -Rows $fullAccess
Save-Csv -Name 'RecipientPermission.csv' -Rows $sendAs
Write-Host "Done: send the folder $((Resolve-Path $OutputDirectory).Path) back."
