#pragma once

#include "engine/run_catalog.h"

#include <QtCore/QString>

#include <exception>
#include <filesystem>
#include <functional>
#include <memory>

namespace cpo::ui {

// A worker's own read connection to the run store, opened on first use on the worker's
// thread. A store that does not exist yet is no error: the next use tries again.
class LazyCatalog {
public:
    explicit LazyCatalog(const QString& database) : m_database(database.toStdString()) {}

    // True once the catalog is open; `onError` hears why it could not be.
    bool open(const std::function<void(const QString&)>& onError)
    {
        if (m_catalog)
            return true;
        if (!std::filesystem::exists(m_database))
            return false;
        try {
            m_catalog = std::make_unique<engine::RunCatalog>(m_database);
        } catch (const std::exception& e) {
            onError(QString::fromStdString(e.what()));
            return false;
        }
        return true;
    }

    engine::RunCatalog* operator->() const { return m_catalog.get(); }
    engine::RunCatalog& operator*() const { return *m_catalog; }
    const std::filesystem::path& database() const { return m_database; }

private:
    std::filesystem::path m_database;
    std::unique_ptr<engine::RunCatalog> m_catalog;
};

} // namespace cpo::ui
